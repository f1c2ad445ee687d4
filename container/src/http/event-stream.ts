/**
 * GET /runs/:id/events as NDJSON: the retained events after `after`, then live events as they
 * are written, one line each, flushed at once. The body ends after the exit event; a reader
 * that goes away is unsubscribed.
 *
 * The stream writes only as fast as its reader reads (`res.write` back-pressure): events wait in
 * the run log, which is bounded, never in the socket's buffer, so a stalled reader costs no more
 * than the log. A reader that falls behind past what the log keeps has its stream ended; its
 * reconnect then answers events_evicted. While the run is live, a heartbeat line goes out
 * whenever EVENT_STREAM_HEARTBEAT_MS pass without a line, so the reader can tell a silent runner
 * from a quiet turn.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { EVENT_STREAM_HEARTBEAT_MS, type EventStreamLine, type RunEvent } from "../protocol/index.ts";
import type { RunLog } from "../runs/run-log.ts";

/** The event streams being served, so shutdown can let them finish before cutting connections. */
export class OpenStreams {
  readonly #open = new Set<ServerResponse>();
  readonly #waiters = new Set<() => void>();

  add(res: ServerResponse): void {
    this.#open.add(res);
    res.once("close", () => {
      this.#open.delete(res);
      if (this.#open.size === 0) for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves once every open stream has finished, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.#open.size === 0) return;
    let wake = () => {};
    const done = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.#waiters.add(wake);
    await Promise.race([done, sleep(timeoutMs)]);
    this.#waiters.delete(wake);
  }
}

/** Streams `log` from seq after+1. readAfter runs first, so eviction errors precede the headers. */
export function streamEvents(
  res: ServerResponse,
  log: RunLog,
  after: number,
  streams: OpenStreams,
  heartbeatMs: number = EVENT_STREAM_HEARTBEAT_MS,
): void {
  log.readAfter(after);
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  streams.add(res);
  const pump = new EventPump(res, log, after);
  const unsubscribe = log.follow(() => pump.run());
  const heartbeat = setInterval(() => pump.heartbeat(), heartbeatMs);
  res.on("close", () => {
    unsubscribe();
    clearInterval(heartbeat);
  });
  pump.run();
}

/** Moves events from the log to the response, pausing while the response's buffer is full. */
class EventPump {
  readonly #res: ServerResponse;
  readonly #log: RunLog;
  /** The last seq written to the response. */
  #cursor: number;
  #waitingForDrain = false;
  #wroteSinceBeat = false;

  constructor(res: ServerResponse, log: RunLog, after: number) {
    this.#res = res;
    this.#log = log;
    this.#cursor = after;
  }

  /** Writes what the reader has not had yet, until the buffer is full, the log ends or the reader fell behind. */
  run(): void {
    if (this.#waitingForDrain || this.#done) return;
    let events: RunEvent[];
    try {
      events = this.#log.readAfter(this.#cursor);
    } catch {
      // Evicted while the reader was behind: end here; its reconnect says events_evicted.
      this.#res.end();
      return;
    }
    for (const event of events) {
      this.#cursor = event.seq;
      const room = this.#write(event);
      if (event.type === "exit") {
        this.#res.end();
        return;
      }
      if (!room) {
        this.#waitingForDrain = true;
        this.#res.once("drain", () => {
          this.#waitingForDrain = false;
          this.run();
        });
        return;
      }
    }
    if (this.#log.isClosed && this.#cursor >= this.#log.lastSeq) this.#res.end();
  }

  /** A heartbeat, unless a line went out since the last one or the reader is not reading. */
  heartbeat(): void {
    const quiet = !this.#wroteSinceBeat;
    this.#wroteSinceBeat = false;
    if (!quiet || this.#waitingForDrain || this.#done || this.#log.isClosed) return;
    this.#write({ type: "heartbeat", at: Date.now(), last_seq: this.#log.lastSeq });
  }

  get #done(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  #write(line: EventStreamLine): boolean {
    this.#wroteSinceBeat = true;
    return this.#res.write(`${JSON.stringify(line)}\n`);
  }
}
