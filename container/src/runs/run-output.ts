/**
 * What a run writes to its log: kiro-cli's text and updates as clean, redacted, well-formed
 * events of at most the event text limit, all of it counted against the run's output cap, and
 * at the end the single exit event. What it sees on the way (answer text, signs of work, the end
 * of stderr, Kiro's metadata) is what the driver's verdict is decided on.
 */
import type { RunnerConfig } from "../config.ts";
import type { ProcessExit, RunFacts, StopReason, Verdict } from "../drivers/driver.ts";
import { splitUtf8, tailUtf8, type UpdateKind } from "../protocol/index.ts";
import { stripAnsi } from "../text/ansi.ts";
import { TextCleaner } from "../text/cleaner.ts";
import { boundPayload } from "../text/payload.ts";
import type { Redactor } from "../text/redact.ts";
import { wellFormed, wellFormedValue } from "../text/well-formed.ts";
import type { RunLog } from "./run-log.ts";
import type { StatsRecorder } from "./stats.ts";

/** Updates that show kiro-cli did something in a turn, even without answer text. */
const ACTIVITY_KINDS: ReadonlySet<UpdateKind> = new Set([
  "thought",
  "tool_call",
  "tool_call_update",
  "plan",
  "permission",
]);

export interface OutputContext {
  config: RunnerConfig;
  redactor: Redactor;
  stats: StatsRecorder;
}

/** The run the output belongs to: going over the output cap stops it. */
export interface OutputOwner {
  readonly startedAt: number;
  readonly stopReason: StopReason | undefined;
  stop(reason: StopReason): void;
}

export class RunOutput {
  readonly #owner: OutputOwner;
  readonly #log: RunLog;
  readonly #context: OutputContext;
  readonly #text: Record<"output" | "stderr" | "thought", TextCleaner>;
  #stderrTail = "";
  #outputBytes = 0;
  #writtenBytes = 0;
  #hasOutput = false;
  #activity = false;
  #sawFirstEvent = false;
  #metadata: Record<string, unknown> | undefined;

  constructor(owner: OutputOwner, log: RunLog, context: OutputContext) {
    this.#owner = owner;
    this.#log = log;
    this.#context = context;
    const cleaner = () => new TextCleaner(context.redactor);
    this.#text = { output: cleaner(), stderr: cleaner(), thought: cleaner() };
  }

  /** Raw text kiro-cli wrote to stdout or stderr: each stream is cleaned as one, then recorded. */
  write(type: "output" | "stderr", raw: string): void {
    this.#record(type, this.#text[type].push(raw));
  }

  /** Records an update: text cleaned and redacted, data redacted and bounded (with a notice if cut). */
  update(kind: UpdateKind, raw: string, rawData?: unknown): void {
    if (this.#log.isClosed) return;
    const { redactor, config } = this.#context;
    const clean = wellFormed(raw);
    const text = kind === "thought" ? this.#text.thought.push(clean) : redactor.text(stripAnsi(clean));
    if (kind === "thought" && text === "") return;
    const payload = boundPayload(redactor.value(wellFormedValue(rawData)), `${kind} update`);
    if (!this.#admit(Buffer.byteLength(text, "utf8") + payload.bytes)) return;
    this.#activity ||= ACTIVITY_KINDS.has(kind);
    this.#firstEvent();
    const [first = "", ...rest] = splitUtf8(text, config.maxEventTextBytes);
    this.#log.append({
      type: "update",
      kind,
      text: first,
      ...(payload.data === undefined ? {} : { data: payload.data }),
    });
    for (const piece of rest) this.#log.append({ type: "update", kind, text: piece });
    if (payload.notice !== undefined) this.notice(payload.notice);
  }

  /** A frame of Kiro's metadata for the turn, merged over the earlier ones: it goes on the exit event. */
  metadata(value: Record<string, unknown>): void {
    const frame = this.#context.redactor.value(wellFormedValue(value)) as Record<string, unknown>;
    this.#metadata = { ...this.#metadata, ...frame };
  }

  /** Records what the cleaners still hold and returns what the run saw, for the verdict. */
  finish(): RunFacts {
    this.#record("output", this.#text.output.end());
    this.#record("stderr", this.#text.stderr.end());
    const thought = this.#text.thought.end();
    if (thought !== "") this.update("thought", thought);
    const { runTimeoutMs, maxRunOutputBytes } = this.#context.config;
    return {
      stopReason: this.#owner.stopReason,
      hasOutput: this.#hasOutput,
      activity: this.#hasOutput || this.#activity,
      stderrTail: this.#stderrTail,
      runTimeoutMs,
      maxRunOutputBytes,
    };
  }

  /** A notice update: something the reader should know (a verdict's note on the end). */
  notice(text: string): void {
    this.#log.append({ type: "update", kind: "notice", text });
  }

  /** Writes the exit event: the last event of the run. */
  writeExit(verdict: Verdict, exit: ProcessExit): void {
    this.#log.append({
      type: "exit",
      status: verdict.status,
      reason: verdict.reason,
      ...(verdict.error === undefined ? {} : { error: this.#context.redactor.text(verdict.error) }),
      exit_code: exit.code,
      signal: exit.signal,
      stderr_tail: this.#stderrTail,
      output_bytes: this.#outputBytes,
      ...(this.#metadata === undefined ? {} : { metadata: this.#metadata }),
    });
  }

  /** Total bytes of cleaned stdout text. */
  get outputBytes(): number {
    return this.#outputBytes;
  }

  /** Records cleaned text as events no larger than the event cap. */
  #record(type: "output" | "stderr", text: string): void {
    if (text === "" || this.#log.isClosed) return;
    const bytes = Buffer.byteLength(text, "utf8");
    if (!this.#admit(bytes)) return;
    if (type === "output") {
      this.#outputBytes += bytes;
      this.#hasOutput ||= /\S/.test(text);
      this.#firstEvent();
    } else {
      this.#stderrTail = tailUtf8(this.#stderrTail + text, this.#context.config.stderrTailBytes);
    }
    for (const piece of splitUtf8(text, this.#context.config.maxEventTextBytes)) {
      this.#log.append({ type, text: piece });
    }
  }

  /** Counts `bytes` against the output cap; false (and the run stopping) when over it. */
  #admit(bytes: number): boolean {
    if (this.#owner.stopReason === "output_limit") return false;
    if (this.#writtenBytes + bytes > this.#context.config.maxRunOutputBytes) {
      this.#owner.stop("output_limit");
      return false;
    }
    this.#writtenBytes += bytes;
    return true;
  }

  #firstEvent(): void {
    if (this.#sawFirstEvent) return;
    this.#sawFirstEvent = true;
    this.#context.stats.firstEvent(Date.now() - this.#owner.startedAt);
  }
}
