/**
 * One kiro-cli child from spawn to "group gone". kiro-cli leads its own process group, so the
 * tools it runs go with it. The end is reported only when the process has exited, both pipes
 * are drained ('close', not 'exit') and the group is gone: orphans that keep the pipes open past
 * a short grace are killed, and so is anything left in the group. The group is in the runner's
 * ledger (owned-groups.ts) from spawn until it is gone, so a runner that dies meanwhile leaves
 * nothing running for long.
 */
import type { ChildProcess } from "node:child_process";
import { errnoCode } from "../errors.ts";
import type { LogFields, Logger } from "../logger.ts";
import { signalGroup, waitGroupGone } from "./group.ts";
import { ownedGroups } from "./owned-groups.ts";

export interface LifecycleOptions {
  /** Identifies the process in logs, e.g. { run_id } or { session_key }. */
  label: LogFields;
  /** Time between SIGTERM and SIGKILL in stop(). */
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
  logger: Logger;
}

export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError?: string | undefined;
}

export interface LifecycleCallbacks {
  /** The process started. */
  spawned?(): void;
  /** Called once, last, after the process and its group are gone and both pipes are drained. */
  exit(result: ProcessEnd): void;
}

export class ProcessLifecycle {
  readonly #child: ChildProcess;
  readonly #options: LifecycleOptions;
  readonly #callbacks: LifecycleCallbacks;
  #spawned = false;
  #done = false;
  #stopping = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(child: ChildProcess, options: LifecycleOptions, callbacks: LifecycleCallbacks) {
    this.#child = child;
    this.#options = options;
    this.#callbacks = callbacks;
    if (child.pid !== undefined) ownedGroups.add(child.pid);
    child.once("spawn", () => {
      this.#spawned = true;
      callbacks.spawned?.();
    });
    child.once("error", (error) => this.#onError(error));
    child.once("exit", () => this.#onExit());
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
      void this.#onClose(code, signal);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True until the end has been reported. */
  get running(): boolean {
    return !this.#done;
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  stop(): void {
    const pid = this.#child.pid;
    if (this.#done || this.#stopping || pid === undefined) return;
    this.#stopping = true;
    signalGroup(pid, "SIGTERM");
    this.#later(this.#options.cancelGraceMs, () => this.kill("cancel_grace_expired"));
  }

  /** SIGKILL to the group now. */
  kill(why: string): void {
    const pid = this.#child.pid;
    if (this.#done || pid === undefined) return;
    this.#options.logger.warn("killing_process_group", { ...this.#options.label, pgid: pid, why });
    signalGroup(pid, "SIGKILL");
  }

  #onError(error: Error): void {
    if (this.#spawned) {
      this.#options.logger.warn("child_error", {
        ...this.#options.label,
        code: errnoCode(error) ?? "unknown",
      });
      return;
    }
    this.#finish({
      code: null,
      signal: null,
      spawnError: `${errnoCode(error) ?? "error"}: ${error.message}`,
    });
  }

  /** The leader exited; orphans holding its pipes get a short grace, then the group is killed. */
  #onExit(): void {
    this.#later(this.#options.pipeDrainGraceMs, () => this.kill("pipes_held_open"));
  }

  async #onClose(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const pid = this.#child.pid;
    if (this.#done || pid === undefined || !this.#spawned) return;
    this.#stopping = true;
    this.#clearTimers();
    signalGroup(pid, "SIGKILL");
    const gone = await waitGroupGone(pid, this.#options.groupGoneTimeoutMs);
    if (!gone) this.#options.logger.warn("process_group_lingers", { ...this.#options.label, pgid: pid });
    this.#finish({ code, signal });
  }

  #finish(result: ProcessEnd): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#child.pid !== undefined) ownedGroups.remove(this.#child.pid);
    this.#clearTimers();
    this.#callbacks.exit(result);
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  #clearTimers(): void {
    for (const timer of this.#timers.splice(0)) clearTimeout(timer);
  }
}
