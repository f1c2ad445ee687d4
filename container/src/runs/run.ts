/**
 * One run's lifecycle: a kiro-cli turn from start to its single terminal `exit` event. The run
 * starts the turn with its driver, stops it on request, on the timeout or at the output cap (the
 * first reason given is the one reported), and when the driver reports the end asks the driver's
 * verdict what it means. What the turn writes goes through the run's output (run-output.ts).
 */
import type { RunnerConfig } from "../config.ts";
import type { StopReason, TurnEnd, TurnHandle, TurnSink, TurnStart } from "../drivers/driver.ts";
import { unstartedTurn } from "../drivers/verdict.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RunStatus, RunSummary } from "../protocol/index.ts";
import { messageOf } from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import { RunLog } from "./run-log.ts";
import { type OutputOwner, RunOutput } from "./run-output.ts";
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

export class Run implements OutputOwner {
  readonly id: string;
  readonly sessionKey: string | undefined;
  readonly startedAt = Date.now();
  readonly log: RunLog;
  readonly #context: RunContext;
  readonly #output: RunOutput;
  #status: RunStatus = "running";
  #endedAt: number | null = null;
  #stopReason: StopReason | undefined;
  #handle: TurnHandle | undefined;
  #timeout: NodeJS.Timeout | undefined;
  readonly #ended: Promise<void>;
  #resolveEnded: () => void = () => {};

  constructor(id: string, sessionKey: string | undefined, context: RunContext) {
    this.id = id;
    this.sessionKey = sessionKey;
    this.#context = context;
    this.log = new RunLog(context.config.maxRunLogBytes);
    this.#output = new RunOutput(this, this.log, context);
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  get status(): RunStatus {
    return this.#status;
  }

  get endedAt(): number | null {
    return this.#endedAt;
  }

  /** Why the runner stopped the run, once it has. */
  get stopReason(): StopReason | undefined {
    return this.#stopReason;
  }

  /** Starts the turn (`begin`); one that throws ends the run with reason spawn_failed. */
  start(begin: TurnStart): void {
    try {
      this.#handle = begin(this.#sink());
    } catch (error) {
      const message = this.#context.redactor.text(messageOf(error));
      this.#end(unstartedTurn(message));
      return;
    }
    this.#timeout = setTimeout(() => this.stop("timeout"), this.#context.config.runTimeoutMs);
  }

  /** Asks the turn to stop; the first reason given is the one reported. */
  stop(reason: StopReason): void {
    if (this.#status !== "running" || this.#stopReason !== undefined) return;
    this.#stopReason = reason;
    this.#context.logger.info("run_stopping", { run_id: this.id, reason });
    this.#handle?.stop(reason);
  }

  /** A client's answer to the permission request of this run's turn waiting under `key`. */
  answerPermission(key: string, optionId: string | null): void {
    const handle = this.#status === "running" ? this.#handle : undefined;
    if (handle?.answerPermission === undefined) {
      throw new RunnerFault(
        "permission_not_pending",
        `run ${this.id} has no permission request waiting for an answer (${this.#status})`,
      );
    }
    handle.answerPermission(key, optionId);
  }

  /** Resolves once the exit event is written. */
  waitEnded(): Promise<void> {
    return this.#ended;
  }

  summary(): RunSummary {
    return {
      run_id: this.id,
      boot_id: this.#context.bootId,
      status: this.#status,
      last_seq: this.log.lastSeq,
      started_at: this.startedAt,
      ended_at: this.#endedAt,
    };
  }

  #sink(): TurnSink {
    const output = this.#output;
    return {
      output: (text) => output.write("output", text),
      stderr: (text) => output.write("stderr", text),
      update: (kind, text, data) => output.update(kind, text, data),
      metadata: (value) => output.metadata(value),
      accepted: () => this.#context.stats.accepted(Date.now() - this.startedAt),
      end: (end) => this.#end(end),
    };
  }

  /** The turn is over: the driver's verdict on it becomes the exit event. */
  #end(end: TurnEnd): void {
    if (this.log.isClosed) return;
    const facts = this.#output.finish();
    clearTimeout(this.#timeout);
    const verdict = end.verdict(facts);
    if (verdict.notice !== undefined) this.#output.notice(verdict.notice);
    this.#status = verdict.status;
    this.#endedAt = Date.now();
    this.#output.writeExit(verdict, end.exit);
    this.#context.logger.info("run_ended", {
      run_id: this.id,
      status: verdict.status,
      reason: verdict.reason,
      exit_code: end.exit.code,
      signal: end.exit.signal,
      output_bytes: this.#output.outputBytes,
    });
    this.#context.onEnded(this);
    this.#resolveEnded();
  }
}
