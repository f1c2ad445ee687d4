/**
 * One run: a kiro-cli turn from start to its single terminal `exit` event. Whatever driver runs
 * the turn, the run turns its text and updates into clean, redacted, byte-bounded events,
 * enforces the timeout and the output cap, and decides the outcome when the driver is done.
 */

import type { RunnerConfig } from "../config.ts";
import type { TurnDriver, TurnEnd, TurnHandle, TurnRequest, TurnSink } from "../drivers/driver.ts";
import { decideAcpOutcome, decideOutcome, type Outcome, type StopReason } from "../drivers/verdict.ts";
import type { Logger } from "../logger.ts";
import { type RunStatus, type RunSummary, splitUtf8, tailUtf8, type UpdateKind } from "../protocol/index.ts";
import { stripAnsi } from "../text/ansi.ts";
import { TextCleaner } from "../text/cleaner.ts";
import { boundPayload } from "../text/payload.ts";
import type { Redactor } from "../text/redact.ts";
import { wellFormed, wellFormedValue } from "../text/well-formed.ts";
import { RunLog } from "./run-log.ts";
import type { StatsRecorder } from "./stats.ts";

export interface RunContext {
  config: RunnerConfig;
  logger: Logger;
  bootId: string;
  redactor: Redactor;
  stats: StatsRecorder;
  /** Called once when the exit event has been written. */
  onEnded(run: Run): void;
}

/** Updates that show kiro-cli did something in a turn, even without answer text. */
const ACTIVITY_KINDS: ReadonlySet<UpdateKind> = new Set([
  "thought",
  "tool_call",
  "tool_call_update",
  "plan",
  "permission",
]);

export class Run {
  readonly id: string;
  readonly sessionKey: string | undefined;
  readonly startedAt = Date.now();
  readonly log: RunLog;
  private endedAtValue: number | null = null;
  private statusValue: RunStatus = "running";
  private readonly context: RunContext;
  private readonly text: Record<"output" | "stderr" | "thought", TextCleaner>;
  private stderrTail = "";
  private outputBytes = 0;
  private writtenBytes = 0;
  private hasOutput = false;
  private activity = false;
  private sawFirstEvent = false;
  private metadata: Record<string, unknown> | undefined;
  private stopReason: StopReason | undefined;
  private handle: TurnHandle | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private readonly ended: Promise<void>;
  private resolveEnded: () => void = () => {};

  constructor(id: string, sessionKey: string | undefined, context: RunContext) {
    this.id = id;
    this.sessionKey = sessionKey;
    this.context = context;
    this.log = new RunLog(context.config.maxRunLogBytes);
    const cleaner = () => new TextCleaner(context.redactor);
    this.text = { output: cleaner(), stderr: cleaner(), thought: cleaner() };
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  get status(): RunStatus {
    return this.statusValue;
  }

  get endedAt(): number | null {
    return this.endedAtValue;
  }

  /** Starts the turn with `driver`; a driver that throws ends the run with reason spawn_failed. */
  start(driver: TurnDriver, request: TurnRequest): void {
    try {
      this.handle = driver.startTurn(request, this.sink());
    } catch (error) {
      const message = this.context.redactor.text(error instanceof Error ? error.message : String(error));
      this.onEnd({ driver: "headless", exit: { code: null, signal: null, spawnError: message } });
      return;
    }
    this.timeout = setTimeout(() => this.stop("timeout"), this.context.config.runTimeoutMs);
  }

  /** Asks the turn to stop; the first reason given is the one reported. */
  stop(reason: StopReason): void {
    if (this.statusValue !== "running" || this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.context.logger.info("run_stopping", { run_id: this.id, reason });
    this.handle?.stop(reason);
  }

  /** Resolves once the exit event is written. */
  waitEnded(): Promise<void> {
    return this.ended;
  }

  summary(): RunSummary {
    return {
      run_id: this.id,
      boot_id: this.context.bootId,
      status: this.statusValue,
      last_seq: this.log.lastSeq,
      started_at: this.startedAt,
      ended_at: this.endedAtValue,
    };
  }

  private sink(): TurnSink {
    return {
      output: (text) => this.onText("output", this.text.output.push(text)),
      stderr: (text) => this.onText("stderr", this.text.stderr.push(text)),
      update: (kind, text, data) => this.onUpdate(kind, text, data),
      metadata: (value) => {
        this.metadata = this.context.redactor.value(wellFormedValue(value)) as Record<string, unknown>;
      },
      accepted: () => this.context.stats.accepted(Date.now() - this.startedAt),
      end: (result) => this.onEnd(result),
    };
  }

  /** Counts `bytes` against the output cap; false (and the run stopping) when over it. */
  private admit(bytes: number): boolean {
    if (this.stopReason === "output_limit") return false;
    if (this.writtenBytes + bytes > this.context.config.maxRunOutputBytes) {
      this.stop("output_limit");
      return false;
    }
    this.writtenBytes += bytes;
    return true;
  }

  private firstEvent(): void {
    if (this.sawFirstEvent) return;
    this.sawFirstEvent = true;
    this.context.stats.firstEvent(Date.now() - this.startedAt);
  }

  /** Records cleaned text as events no larger than the event cap. */
  private onText(type: "output" | "stderr", text: string): void {
    if (text === "" || this.log.isClosed) return;
    const bytes = Buffer.byteLength(text, "utf8");
    if (!this.admit(bytes)) return;
    if (type === "output") {
      this.outputBytes += bytes;
      this.hasOutput ||= /\S/.test(text);
      this.firstEvent();
    } else {
      this.stderrTail = tailUtf8(this.stderrTail + text, this.context.config.stderrTailBytes);
    }
    for (const piece of splitUtf8(text, this.context.config.maxEventTextBytes)) {
      this.log.append({ type, text: piece });
    }
  }

  /** Records an update: text cleaned and redacted, data redacted and bounded (with a notice if cut). */
  private onUpdate(kind: UpdateKind, raw: string, rawData?: unknown): void {
    if (this.log.isClosed) return;
    const clean = wellFormed(raw);
    const text =
      kind === "thought" ? this.text.thought.push(clean) : this.context.redactor.text(stripAnsi(clean));
    if (kind === "thought" && text === "") return;
    const payload = boundPayload(this.context.redactor.value(wellFormedValue(rawData)), `${kind} update`);
    if (!this.admit(Buffer.byteLength(text, "utf8") + payload.bytes)) return;
    this.activity ||= ACTIVITY_KINDS.has(kind);
    this.firstEvent();
    const [first = "", ...rest] = splitUtf8(text, this.context.config.maxEventTextBytes);
    this.log.append({
      type: "update",
      kind,
      text: first,
      ...(payload.data === undefined ? {} : { data: payload.data }),
    });
    for (const piece of rest) this.log.append({ type: "update", kind, text: piece });
    if (payload.notice !== undefined)
      this.log.append({ type: "update", kind: "notice", text: payload.notice });
  }

  private onEnd(result: TurnEnd): void {
    if (this.log.isClosed) return;
    this.onText("output", this.text.output.end());
    this.onText("stderr", this.text.stderr.end());
    const thought = this.text.thought.end();
    if (thought !== "") this.onUpdate("thought", thought);
    clearTimeout(this.timeout);
    const outcome = this.outcome(result);
    if (outcome.notice !== undefined)
      this.log.append({ type: "update", kind: "notice", text: outcome.notice });
    const exit = result.driver === "headless" ? result.exit : (result.exit ?? { code: null, signal: null });
    this.statusValue = outcome.status;
    this.endedAtValue = Date.now();
    this.log.append({
      type: "exit",
      status: outcome.status,
      reason: outcome.reason,
      ...(outcome.error === undefined ? {} : { error: this.context.redactor.text(outcome.error) }),
      exit_code: exit.code,
      signal: exit.signal,
      stderr_tail: this.stderrTail,
      output_bytes: this.outputBytes,
      ...(this.metadata === undefined ? {} : { metadata: this.metadata }),
    });
    this.context.logger.info("run_ended", {
      run_id: this.id,
      status: outcome.status,
      reason: outcome.reason,
      exit_code: exit.code,
      signal: exit.signal,
      output_bytes: this.outputBytes,
    });
    this.context.onEnded(this);
    this.resolveEnded();
  }

  private outcome(result: TurnEnd): Outcome & { notice?: string | undefined } {
    const { config } = this.context;
    const common = {
      stopReason: this.stopReason,
      stderrTail: this.stderrTail,
      runTimeoutMs: config.runTimeoutMs,
      maxRunOutputBytes: config.maxRunOutputBytes,
    };
    if (result.driver === "headless")
      return decideOutcome({ ...common, exit: result.exit, hasOutput: this.hasOutput });
    return decideAcpOutcome({ ...common, end: result, activity: this.hasOutput || this.activity });
  }
}
