/**
 * The headless driver: one `kiro-cli chat --no-interactive` process per turn.
 *
 * kiro-cli is spawned from an argument array (never a shell) as the leader of its own process
 * group, with the message written to stdin and stdin closed. The run ends only when the process
 * has exited, both pipes are drained ('close', not 'exit') and the group is gone: orphans that
 * keep the pipes open past a short grace are killed, and so is anything left in the group.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { errnoCode } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { signalGroup, waitGroupGone } from "./process-group.ts";

export interface HeadlessTurn {
  message: string;
  /** Real, checked working directory. */
  cwd: string;
  agent?: string | undefined;
  model?: string | undefined;
  resume?: boolean | undefined;
}

export interface DriverOptions {
  runId: string;
  cliPath: string;
  env: NodeJS.ProcessEnv;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
  logger: Logger;
}

export interface DriverExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError?: string | undefined;
}

export interface DriverCallbacks {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** Called once, last, after the process and its group are gone and both pipes are drained. */
  exit(result: DriverExit): void;
}

/** A started turn: `stop` sends SIGTERM to the group, then SIGKILL after the grace period. */
export interface RunProcess {
  readonly pid: number | undefined;
  stop(): void;
}

/** kiro-cli's arguments for one headless turn. */
export function headlessArgs(turn: HeadlessTurn): string[] {
  const args = ["chat", "--no-interactive", "--trust-all-tools"];
  if (turn.agent !== undefined) args.push("--agent", turn.agent);
  if (turn.model !== undefined) args.push("--model", turn.model);
  if (turn.resume === true) args.push("--resume");
  return args;
}

export function startHeadless(
  turn: HeadlessTurn,
  options: DriverOptions,
  callbacks: DriverCallbacks,
): RunProcess {
  const child = spawn(options.cliPath, headlessArgs(turn), {
    cwd: turn.cwd,
    env: options.env,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lifecycle = new ProcessLifecycle(child, options, callbacks);
  child.stdout?.on("data", (chunk: Buffer) => callbacks.stdout(chunk));
  child.stderr?.on("data", (chunk: Buffer) => callbacks.stderr(chunk));
  child.stdin?.on("error", (error) => {
    // kiro-cli may exit before reading its input; its exit status tells what happened.
    options.logger.warn("stdin_write_failed", { run_id: options.runId, code: errnoCode(error) ?? "unknown" });
  });
  child.stdin?.end(turn.message);
  return lifecycle;
}

/** Tracks one child from spawn to "group gone" and owns its timers. */
class ProcessLifecycle implements RunProcess {
  private readonly child: ChildProcess;
  private readonly options: DriverOptions;
  private readonly callbacks: DriverCallbacks;
  private spawned = false;
  private done = false;
  private stopping = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(child: ChildProcess, options: DriverOptions, callbacks: DriverCallbacks) {
    this.child = child;
    this.options = options;
    this.callbacks = callbacks;
    child.once("spawn", () => {
      this.spawned = true;
    });
    child.once("error", (error) => this.onError(error));
    child.once("exit", () => this.onExit());
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
      void this.onClose(code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): void {
    const pid = this.child.pid;
    if (this.done || this.stopping || pid === undefined) return;
    this.stopping = true;
    signalGroup(pid, "SIGTERM");
    this.later(this.options.cancelGraceMs, () => this.killGroup("cancel_grace_expired"));
  }

  private onError(error: Error): void {
    if (this.spawned) {
      this.options.logger.warn("child_error", {
        run_id: this.options.runId,
        code: errnoCode(error) ?? "unknown",
      });
      return;
    }
    this.finish({ code: null, signal: null, spawnError: `${errnoCode(error) ?? "error"}: ${error.message}` });
  }

  /** The leader exited; orphans holding its pipes get a short grace, then the group is killed. */
  private onExit(): void {
    this.later(this.options.pipeDrainGraceMs, () => this.killGroup("pipes_held_open"));
  }

  private async onClose(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const pid = this.child.pid;
    if (this.done || pid === undefined || !this.spawned) return;
    this.stopping = true;
    this.clearTimers();
    signalGroup(pid, "SIGKILL");
    const gone = await waitGroupGone(pid, this.options.groupGoneTimeoutMs);
    if (!gone) this.options.logger.warn("process_group_lingers", { run_id: this.options.runId, pgid: pid });
    this.finish({ code, signal });
  }

  private killGroup(why: string): void {
    const pid = this.child.pid;
    if (this.done || pid === undefined) return;
    this.options.logger.warn("killing_process_group", { run_id: this.options.runId, pgid: pid, why });
    signalGroup(pid, "SIGKILL");
  }

  private finish(result: DriverExit): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.callbacks.exit(result);
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private clearTimers(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}
