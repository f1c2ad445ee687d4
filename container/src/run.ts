/**
 * One run: a kiro-cli turn from start to its single terminal `exit` event. Turns the driver's raw
 * stdout/stderr into clean, byte-bounded events, enforces the timeout and the output cap, and
 * decides the outcome once the process and its group are gone.
 */
import type { RunnerConfig } from "./config.ts";
import { decideOutcome, type StopReason } from "./exit-outcome.ts";
import { type DriverExit, type HeadlessTurn, type RunProcess, startHeadless } from "./headless-driver.ts";
import type { Logger } from "./logger.ts";
import { OutputCleaner } from "./output-cleaner.ts";
import type { RunStatus, RunSummary } from "./protocol.ts";
import { RunLog } from "./run-log.ts";
import { splitUtf8, tailUtf8 } from "./text-chunks.ts";

export interface RunContext {
  config: RunnerConfig;
  logger: Logger;
  bootId: string;
  /** Called once when the exit event has been written. */
  onEnded(run: Run): void;
}

export class Run {
  readonly id: string;
  readonly startedAt = Date.now();
  readonly log: RunLog;
  private endedAtValue: number | null = null;
  private statusValue: RunStatus = "running";
  private readonly context: RunContext;
  private readonly stdout = new OutputCleaner();
  private readonly stderr = new OutputCleaner();
  private stderrTail = "";
  private outputBytes = 0;
  private writtenBytes = 0;
  private hasOutput = false;
  private stopReason: StopReason | undefined;
  private process: RunProcess | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private readonly ended: Promise<void>;
  private resolveEnded: () => void = () => {};

  constructor(id: string, context: RunContext) {
    this.id = id;
    this.context = context;
    this.log = new RunLog(context.config.maxRunLogBytes);
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

  /** Starts kiro-cli for `turn`; a failure to spawn ends the run with reason spawn_failed. */
  start(turn: HeadlessTurn, cliPath: string, env: NodeJS.ProcessEnv): void {
    const { config, logger } = this.context;
    const options = {
      runId: this.id,
      cliPath,
      env,
      logger,
      cancelGraceMs: config.cancelGraceMs,
      pipeDrainGraceMs: config.pipeDrainGraceMs,
      groupGoneTimeoutMs: config.groupGoneTimeoutMs,
    };
    try {
      this.process = startHeadless(turn, options, {
        stdout: (chunk) => this.onText("output", this.stdout.write(chunk)),
        stderr: (chunk) => this.onText("stderr", this.stderr.write(chunk)),
        exit: (result) => this.onExit(result),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.onExit({ code: null, signal: null, spawnError: message });
      return;
    }
    this.timeout = setTimeout(() => this.stop("timeout"), config.runTimeoutMs);
    logger.info("run_started", { run_id: this.id, pid: this.process.pid ?? null });
  }

  /** Asks the process group to stop; the first reason given is the one reported. */
  stop(reason: StopReason): void {
    if (this.statusValue !== "running" || this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.context.logger.info("run_stopping", { run_id: this.id, reason });
    this.process?.stop();
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

  /** Records cleaned text as events no larger than the event cap; stops a run over its output cap. */
  private onText(type: "output" | "stderr", text: string): void {
    if (text === "" || this.stopReason === "output_limit") return;
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.writtenBytes + bytes > this.context.config.maxRunOutputBytes) {
      this.stop("output_limit");
      return;
    }
    this.writtenBytes += bytes;
    if (type === "output") {
      this.outputBytes += bytes;
      this.hasOutput ||= /\S/.test(text);
    } else {
      this.stderrTail = tailUtf8(this.stderrTail + text, this.context.config.stderrTailBytes);
    }
    for (const piece of splitUtf8(text, this.context.config.maxEventTextBytes)) {
      this.log.append({ type, text: piece });
    }
  }

  private onExit(result: DriverExit): void {
    this.onText("output", this.stdout.end());
    this.onText("stderr", this.stderr.end());
    clearTimeout(this.timeout);
    const { config } = this.context;
    const outcome = decideOutcome({
      exit: result,
      stopReason: this.stopReason,
      hasOutput: this.hasOutput,
      stderrTail: this.stderrTail,
      runTimeoutMs: config.runTimeoutMs,
      maxRunOutputBytes: config.maxRunOutputBytes,
    });
    this.statusValue = outcome.status;
    this.endedAtValue = Date.now();
    this.log.append({
      type: "exit",
      ...outcome,
      exit_code: result.code,
      signal: result.signal,
      stderr_tail: this.stderrTail,
      output_bytes: this.outputBytes,
    });
    this.context.logger.info("run_ended", {
      run_id: this.id,
      status: outcome.status,
      reason: outcome.reason,
      exit_code: result.code,
      signal: result.signal,
      output_bytes: this.outputBytes,
    });
    this.context.onEnded(this);
    this.resolveEnded();
  }
}
