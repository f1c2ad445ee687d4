/**
 * One run's event log: events numbered from 1 with no gaps, kept up to a byte budget (the oldest
 * are evicted first, never the newest), readable from any retained seq and followable live.
 * The terminal `exit` event closes the log: nothing is appended after it.
 */
import { RunnerFault } from "../errors.ts";
import type { ExitEvent, OutputEvent, RunEvent, StderrEvent, UpdateEvent } from "../protocol/index.ts";

/** An event as the run manager hands it over: the log assigns seq and at. */
export type NewRunEvent =
  | Omit<OutputEvent, "seq" | "at">
  | Omit<StderrEvent, "seq" | "at">
  | Omit<UpdateEvent, "seq" | "at">
  | Omit<ExitEvent, "seq" | "at">;

export type RunEventListener = (event: RunEvent) => void;

/** Rough per-event cost beyond its text: the JSON envelope and bookkeeping. */
const EVENT_OVERHEAD_BYTES = 96;

export class RunLog {
  /** Retained events are events[head..]; evicted slots are compacted away in batches. */
  #events: { event: RunEvent; bytes: number }[] = [];
  #head = 0;
  readonly #listeners = new Set<RunEventListener>();
  #retainedBytes = 0;
  #lastSeqValue = 0;
  #closed = false;
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Highest seq written so far (0 before the first event). */
  get lastSeq(): number {
    return this.#lastSeqValue;
  }

  /** True once the exit event is in. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Appends an event, evicts old ones over budget, and tells every follower. */
  append(next: NewRunEvent, now: number = Date.now()): RunEvent {
    if (this.#closed) throw new Error("run log is closed: the exit event was already written");
    this.#lastSeqValue += 1;
    const event = { ...next, seq: this.#lastSeqValue, at: now } as RunEvent;
    const bytes = EVENT_OVERHEAD_BYTES + eventBytes(event);
    this.#events.push({ event, bytes });
    this.#retainedBytes += bytes;
    this.#evict();
    if (event.type === "exit") this.#closed = true;
    for (const listener of [...this.#listeners]) listener(event);
    if (this.#closed) this.#listeners.clear();
    return event;
  }

  /**
   * Every retained event with seq > after. Throws events_evicted when seq after+1 is gone, and
   * bad_request when `after` is beyond the last seq of a log that is still open.
   */
  readAfter(after: number): RunEvent[] {
    if (after > this.#lastSeqValue) {
      if (this.#closed) return [];
      throw new RunnerFault("bad_request", `after=${after} is beyond the last seq ${this.#lastSeqValue}`);
    }
    const first = this.#events[this.#head]?.event.seq ?? this.#lastSeqValue + 1;
    if (after + 1 < first) {
      throw new RunnerFault(
        "events_evicted",
        `events ${after + 1}..${first - 1} were evicted (the runner keeps ${this.#maxBytes} bytes per run); read from after=${first - 1}`,
      );
    }
    return this.#events.slice(this.#head + after + 1 - first).map((entry) => entry.event);
  }

  /** Calls `listener` for each event appended from now on; returns the unsubscribe function. */
  follow(listener: RunEventListener): () => void {
    if (this.#closed) return () => {};
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #evict(): void {
    while (this.#retainedBytes > this.#maxBytes && this.#events.length - this.#head > 1) {
      const oldest = this.#events[this.#head];
      if (oldest !== undefined) this.#retainedBytes -= oldest.bytes;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** The bytes an event holds beyond its envelope: its text and, for updates, its payload. */
function eventBytes(event: RunEvent): number {
  const text = "text" in event ? Buffer.byteLength(event.text, "utf8") : 0;
  const data =
    event.type === "update" && event.data !== undefined ? (JSON.stringify(event.data)?.length ?? 0) : 0;
  return text + data;
}
