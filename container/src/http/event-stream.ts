/**
 * GET /runs/:id/events as NDJSON: the retained events after `after`, then live events as they
 * are written, one line each, flushed at once. The body ends after the exit event; a reader
 * that goes away is unsubscribed.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunEvent } from "../protocol/index.ts";
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
export function streamEvents(res: ServerResponse, log: RunLog, after: number, streams: OpenStreams): void {
  const backlog = log.readAfter(after);
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  streams.add(res);
  for (const event of backlog) writeEvent(res, event);
  if (log.isClosed) {
    res.end();
    return;
  }
  const unsubscribe = log.follow((event) => {
    writeEvent(res, event);
    if (event.type === "exit") res.end();
  });
  res.on("close", unsubscribe);
}

function writeEvent(res: ServerResponse, event: RunEvent): void {
  if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(event)}\n`);
}
