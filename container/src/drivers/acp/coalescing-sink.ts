/**
 * Merges an ACP turn's text into fewer, bigger events. kiro-cli sends the answer as many small
 * `agent_message_chunk`s (a 10 MB answer is thousands), and every event costs every reader
 * (runner stream, Worker ingest, Durable Object rows, polls); headless output arrives per pipe
 * read, up to 64 KiB, and this gives ACP the same shape.
 *
 * Consecutive pieces of one text stream (the answer, or a thought without a payload) are held
 * and handed on as one piece when:
 *   - the next piece would take them over `maxBytes` (a piece that big on its own goes on
 *     alone; the run cuts it into events of at most its event text limit);
 *   - anything else is reported (the other text stream, an update, stderr, the end), first, so
 *     events keep exactly the order of the calls;
 *   - the coalescing window closes (COALESCE_WINDOW_MS after the previous hand-on).
 * Text that arrives after a quiet window goes on at once, so a trickle is never delayed and the
 * first chunk of an answer is as fast as before; only a fast stream waits, at most the window.
 *
 * The run behind the sink cleans and redacts each stream as one stream whatever the pieces, so a
 * secret split across pieces (or across hand-ons) is still redacted. At the end, the turn's own
 * record of how it ended goes on to the run with the ACP verdict on it (acp/verdict.ts).
 */
import type { UpdateKind } from "../../protocol/index.ts";
import type { TurnSink } from "../driver.ts";
import type { AcpSink, AcpTurnEnd } from "./types.ts";
import { acpTurnEnd } from "./verdict.ts";

/**
 * Longest a piece of text waits to be merged with the ones after it: short enough that a reader
 * sees live output within tens of milliseconds, long enough that a fast answer becomes at most
 * ~40 events a second plus one per `maxBytes`.
 */
export const COALESCE_WINDOW_MS = 25;

type TextStream = "output" | "thought";

export class CoalescingSink implements AcpSink {
  readonly #target: TurnSink;
  readonly #maxBytes: number;
  readonly #windowMs: number;
  #stream: TextStream = "output";
  #pieces: string[] = [];
  #bytes = 0;
  /** When text was last handed on (-Infinity: never, so the first piece goes at once). */
  #lastHandOn = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  /** `maxBytes`: most text merged into one piece (the run's event text limit). */
  constructor(target: TurnSink, maxBytes: number, windowMs: number = COALESCE_WINDOW_MS) {
    this.#target = target;
    this.#maxBytes = maxBytes;
    this.#windowMs = windowMs;
  }

  output(text: string): void {
    this.#add("output", text);
  }

  stderr(text: string): void {
    this.flush();
    this.#target.stderr(text);
  }

  update(kind: UpdateKind, text: string, data?: unknown): void {
    if (kind === "thought" && data === undefined) {
      this.#add("thought", text);
    } else {
      this.flush();
      this.#target.update(kind, text, data);
    }
  }

  /** Writes no event, so nothing to flush. */
  metadata(value: Record<string, unknown>): void {
    this.#target.metadata(value);
  }

  accepted(): void {
    this.#target.accepted();
  }

  end(end: AcpTurnEnd): void {
    this.flush();
    this.#target.end(acpTurnEnd(end));
  }

  /** Hands on whatever is held. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pieces.length === 0) return;
    const text = this.#pieces.join("");
    this.#pieces = [];
    this.#bytes = 0;
    this.#handOn(text);
  }

  #add(stream: TextStream, text: string): void {
    if (text === "") return;
    if (stream !== this.#stream) {
      this.flush();
      this.#stream = stream;
    }
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.#bytes + bytes > this.#maxBytes) this.flush();
    const now = Date.now();
    if (this.#pieces.length === 0 && (bytes >= this.#maxBytes || now - this.#lastHandOn >= this.#windowMs)) {
      this.#handOn(text, now);
      return;
    }
    this.#pieces.push(text);
    this.#bytes += bytes;
    if (this.#bytes >= this.#maxBytes) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#lastHandOn + this.#windowMs - now));
  }

  #handOn(text: string, now: number = Date.now()): void {
    this.#lastHandOn = now;
    if (this.#stream === "output") this.#target.output(text);
    else this.#target.update("thought", text);
  }
}
