import { LIMITS } from "../config.ts";
import { type RunEvent, type RunnerClient, RunnerRequestError } from "../runner/client.ts";
import type { Logger } from "../util/log.ts";
import { chunksFromEvents, metadataFromEvents } from "./chunks.ts";
import { isActive, type TaskEnd, type TaskRow } from "./task-rows.ts";
import type { TaskStore } from "./task-store.ts";

export interface IngestDeps {
  store: TaskStore;
  runner: () => RunnerClient;
  /** Called after every change to a task (new chunks, terminal state): wakes long-polls. */
  changed: (taskId: string) => void;
  /** Called once when a task reaches its terminal state. */
  ended: (taskId: string, end: TaskEnd) => void;
  log: Logger;
  /** Output a task stores at most (see capChunks). */
  maxTaskOutputBytes: number;
  /** The clock and the back-off's sleep: Date.now and a timer unless given (a test's own clock). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Streams an active task's output from its runner into the store. One loop per task per object
 * instance; every loop starts from what storage says (`last_seq`), so a loop that died with its
 * stream, or with an evicted object, is simply started again by the session's watchdog. A task
 * streams only once the runner has accepted its run (its boot id is recorded): asking for the
 * events of a run still being started would find nothing and look like a lost runner.
 *
 * The run's exit event decides how the task ends, also when a cancel was asked for: a turn that
 * completed before the cancel reached kiro-cli stays completed, with all its output.
 */
export class TaskIngest {
  readonly #deps: IngestDeps;
  readonly #active = new Map<string, Promise<void>>();

  constructor(deps: IngestDeps) {
    this.#deps = deps;
  }

  /** Starts the loop for `taskId` unless one is already running in this instance. */
  ensure(taskId: string): Promise<void> {
    const existing = this.#active.get(taskId);
    if (existing) return existing;
    const loop = this.#loop(taskId)
      .catch((error: unknown) => {
        this.#deps.log.error("ingest.crashed", { task_id: taskId, error: String(error) });
        this.end(taskId, {
          status: "failed",
          reason: "internal",
          error: "Internal error while reading output.",
        });
      })
      .finally(() => this.#active.delete(taskId));
    this.#active.set(taskId, loop);
    return loop;
  }

  async #loop(taskId: string): Promise<void> {
    const { store, log } = this.#deps;
    const now = this.#deps.now ?? Date.now;
    let backoffMs: number = LIMITS.RECONNECT_BACKOFF_MS;
    let unreachableSince: number | undefined;
    for (;;) {
      const task = store.get(taskId);
      if (task === undefined || !isActive(task.status) || task.boot_id === null) return;
      try {
        const progressed = await this.#stream(taskId, task.run_id, task.last_seq);
        if (!stillActive(store.get(taskId))) return;
        if (progressed) backoffMs = LIMITS.RECONNECT_BACKOFF_MS;
        unreachableSince = undefined;
        log.info("ingest.stream_ended", { task_id: taskId, last_seq: store.get(taskId)?.last_seq });
      } catch (error) {
        if (!(error instanceof RunnerRequestError)) throw error;
        unreachableSince ??= now();
        const end = await this.#judge(error, task, unreachableSince, now());
        if (end) return this.end(taskId, end);
        log.warn("ingest.retry", { task_id: taskId, code: error.code, backoff_ms: backoffMs });
      }
      await (this.#deps.sleep ?? sleep)(backoffMs);
      backoffMs = Math.min(backoffMs * 2, LIMITS.RECONNECT_BACKOFF_MAX_MS);
    }
  }

  /** Reads one stream to its end. Returns whether anything new was stored. */
  async #stream(taskId: string, runId: string, afterSeq: number): Promise<boolean> {
    let progressed = false;
    for await (const batch of this.#deps.runner().events(runId, afterSeq)) {
      if (this.#store(taskId, batch)) return true;
      progressed = true;
    }
    return progressed;
  }

  /** Stores one batch; returns true when it held the run's exit event. */
  #store(taskId: string, batch: readonly RunEvent[]): boolean {
    const last = batch.at(-1);
    if (!last) return false;
    const chunks = chunksFromEvents(batch, LIMITS.MAX_CHUNK_BYTES);
    const metadata = metadataFromEvents(batch);
    this.#deps.store.append(taskId, chunks, last.seq, this.#deps.maxTaskOutputBytes, metadata);
    const exit = batch.find((event) => event.type === "exit");
    if (exit) {
      this.end(taskId, {
        status: exit.status,
        reason: exit.reason,
        error: exit.error,
        exitCode: exit.exit_code,
        exitMetadata: exit.metadata,
      });
    } else {
      this.#deps.changed(taskId);
    }
    return exit !== undefined;
  }

  /** Decides whether a runner error ends the task (and how), or is worth another try. */
  async #judge(
    error: RunnerRequestError,
    task: TaskRow,
    unreachableSince: number,
    now: number,
  ): Promise<TaskEnd | undefined> {
    const bootId = task.boot_id;
    if (error.code === "run_expired") return this.#expired(task.run_id);
    if (error.code === "run_not_found") {
      const restarted = await this.#runnerRestarted(bootId);
      return lost(
        restarted
          ? "The runner restarted while the task was running."
          : "The runner no longer knows this run.",
      );
    }
    if (error.code === "events_evicted") return lost("The runner dropped output that was not yet stored.");
    // No container free counts as unreachable: the turn's own container may come back.
    if (error.code !== "unreachable" && error.code !== "no_container")
      return lost(`The runner refused to stream output (${error.code}).`);
    if (await this.#runnerRestarted(bootId)) return lost("The runner restarted while the task was running.");
    if (now - unreachableSince > LIMITS.RUNNER_UNREACHABLE_FAIL_MS) {
      return lost(
        `The runner has been unreachable for ${Math.round(LIMITS.RUNNER_UNREACHABLE_FAIL_MS / 1000)} s.`,
      );
    }
    return undefined;
  }

  /**
   * The runner deleted the run's events (KIRO_RUN_RETENTION_MS passed before they were all
   * stored), but still knows how the run ended: a completed turn is reported as such.
   */
  async #expired(runId: string): Promise<TaskEnd> {
    const summary = await this.#deps
      .runner()
      .run(runId)
      .catch(() => undefined);
    const retention = "the runner keeps a finished turn's output for KIRO_RUN_RETENTION_MS";
    if (summary?.status === "completed") {
      return {
        status: "failed",
        reason: "output_incomplete",
        error: `Output incomplete: Kiro completed the turn, but the runner deleted the rest of its output before it was stored (${retention}). The output received before that is kept.`,
        turnCompleted: true,
      };
    }
    const ended = summary === undefined ? "" : ` The run had ended as ${summary.status}.`;
    return lost(`The runner deleted this run's output before all of it was stored (${retention}).${ended}`);
  }

  async #runnerRestarted(bootId: string | null): Promise<boolean> {
    if (bootId === null) return false;
    try {
      return (await this.#deps.runner().health()).boot_id !== bootId;
    } catch {
      return false; // unreachable: not proven restarted; the caller's deadline decides
    }
  }

  /** Ends the task once (a cancelled task as cancelledEnd says), tells the session, wakes polls. */
  end(taskId: string, end: TaskEnd): void {
    const now = (this.#deps.now ?? Date.now)();
    const final = this.#deps.store.get(taskId)?.status === "cancelling" ? cancelledEnd(end) : end;
    if (this.#deps.store.finish(taskId, final, now, LIMITS.MAX_RESULT_BYTES)) {
      this.#deps.log.info("task.finished", { task_id: taskId, status: final.status, reason: final.reason });
      this.#deps.ended(taskId, final);
    }
    this.#deps.changed(taskId);
  }
}

function lost(why: string): TaskEnd {
  return {
    status: "failed",
    reason: "runner_lost",
    error: `${why} The output received before that is kept.`,
  };
}

/**
 * How a task the user cancelled ends: as the run ended when the runner says so (a turn that
 * completed or failed before the cancel reached it keeps that end); a runner that went away
 * before confirming still leaves the task cancelled, saying so.
 */
function cancelledEnd(end: TaskEnd): TaskEnd {
  if (end.status === "cancelled") return { ...end, error: CANCELLED_BY_USER };
  if (end.reason !== "runner_lost" && end.reason !== "internal") return end;
  return {
    status: "cancelled",
    reason: "cancelled",
    error: `${CANCELLED_BY_USER} The runner did not confirm that kiro-cli stopped: ${end.error ?? end.reason}`,
  };
}

function stillActive(task: TaskRow | undefined): boolean {
  return task !== undefined && isActive(task.status);
}

export const CANCELLED_BY_USER = "Cancelled by the user.";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
