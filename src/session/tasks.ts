import type { WorkspaceSource } from "../../container/src/protocol/index.ts";
import { LIMITS } from "../config.ts";
import { ErrorCode, KiroError, taskNotFound } from "../errors.ts";
import { type RunnerClient, RunnerRequestError } from "../runner/client.ts";
import { startRun } from "../runner/start.ts";
import type { Logger } from "../util/log.ts";
import { TaskIngest } from "./ingest.ts";
import type { SessionRecord } from "./meta.ts";
import { callRunner } from "./runner-call.ts";
import { isActive, type TaskEnd, type TaskRow } from "./task-rows.ts";
import type { TaskStore } from "./task-store.ts";
import { statusView, summaryView } from "./task-views.ts";
import type { TaskStarted, TaskStatusView, TaskSummary } from "./views.ts";
import { Waiters } from "./waiters.ts";

/**
 * How long kiro_task_cancel waits for the run's end before answering with status `cancelling`:
 * longer than the runner's default kill grace (3 s), well under a client's patience.
 */
const CANCEL_ANSWER_MS = 5_000;
/** One turn at a time: kiro-cli continues one conversation per session. */
const MAX_RUNNING_TASKS = 1;

export interface StatusRequest {
  taskId: string;
  fromChunkIndex: number;
  waitMs: number;
  /** Most bytes of chunks in the answer (at least one chunk); LIMITS.MAX_STATUS_BYTES when absent. */
  maxBytes?: number | undefined;
}

/** How a turn is started, besides its message. */
export interface StartOptions {
  /** The tool that started the turn as an MCP Tasks extension task; kept with the task. */
  origin?: string | undefined;
  /** A client can answer Kiro's permission requests (honoured by a runner with KIRO_TRUST=ask). */
  askPermissions?: boolean | undefined;
  /** Where the session's clone comes from, so the runner can make it again if it is gone. */
  workspace?: WorkspaceSource | undefined;
}

export interface SessionTasksDeps {
  store: TaskStore;
  runner: () => RunnerClient;
  log: Logger;
  /** Called once when a task reaches its terminal state. */
  ended: (taskId: string, end: TaskEnd) => void;
  /** Output a task stores at most (KIRO_MAX_TASK_OUTPUT_BYTES). */
  maxTaskOutputBytes: number;
  /** How long finished tasks are kept (KIRO_TASK_TTL), for the "expired" message. */
  taskTtlMs: number;
}

/**
 * A session's turns on its runner: starting one, reading its status (long-polled), cancelling
 * it. Output streams into the store through TaskIngest, which wakes the polls waiting on it.
 *
 * Every runner call here has a deadline (the runner client's), and nothing waits on the runner
 * longer than a client would: a cancel is recorded at once (status `cancelling`), sent to the
 * runner in the background, and the run's end, read by the ingest, settles the task.
 */
export class SessionTasks {
  readonly #deps: SessionTasksDeps;
  readonly #waiters = new Waiters();
  readonly #ingest: TaskIngest;
  /** Tasks whose start request is in flight in this instance: their run may not exist yet. */
  readonly #starting = new Set<string>();
  /** Background runner calls in flight ("cancel:<id>", "adopt:<id>"), so each is sent once at a time. */
  readonly #inFlight = new Set<string>();

  constructor(deps: SessionTasksDeps) {
    this.#deps = deps;
    this.#ingest = new TaskIngest({
      store: deps.store,
      runner: deps.runner,
      changed: (taskId) => this.#waiters.notify(taskId),
      ended: (taskId, end) => deps.ended(taskId, end),
      log: deps.log,
      maxTaskOutputBytes: deps.maxTaskOutputBytes,
    });
  }

  /**
   * Starts a turn on the runner, refusing while another one runs. `apiKey`: the user's Kiro API
   * key for kiro-cli (undefined: the runner's own); it travels in the request and is kept nowhere.
   */
  async start(
    meta: SessionRecord,
    message: string,
    apiKey: string | undefined,
    taskId: string,
    options: StartOptions = {},
  ): Promise<TaskStarted> {
    const { store } = this.#deps;
    const running = store.running();
    if (running.length >= MAX_RUNNING_TASKS) {
      throw new KiroError(
        ErrorCode.Busy,
        `Session ${meta.sessionId} is busy with task ${running[0]?.id}. Wait for it, cancel it with kiro_task_cancel, or create another session.`,
      );
    }
    store.create(taskId, message, Date.now(), options.origin ?? null);
    this.#starting.add(taskId);
    try {
      const started = await callRunner(this.#deps.log, () =>
        startRun(this.#deps.runner(), {
          run_id: taskId,
          session_key: meta.sessionId,
          message,
          cwd: meta.workingDirectory,
          agent: meta.agent ?? undefined,
          resume: meta.resumable,
          kiro_api_key: apiKey,
          ...(options.askPermissions === true && { ask_permissions: true }),
          workspace: options.workspace,
        }),
      );
      store.setBootId(taskId, started.boot_id);
    } catch (error) {
      store.discard(taskId);
      throw error;
    } finally {
      this.#starting.delete(taskId);
    }
    return { task_id: taskId, session_id: meta.sessionId, status: "running" };
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async status(sessionId: string, request: StatusRequest): Promise<TaskStatusView> {
    let task = this.#require(request.taskId);
    if (isActive(task.status)) {
      // The alarm set at start survives evictions; a poll only makes sure this task progresses.
      this.#watch(task);
      if (request.waitMs > 0 && task.chunk_count <= request.fromChunkIndex) {
        await this.#waiters.wait(task.id, request.waitMs);
        task = this.#require(request.taskId);
      }
    }
    return statusView(this.#deps.store, sessionId, task, request.fromChunkIndex, request.maxBytes);
  }

  /**
   * Asks the runner to stop the turn and answers within CANCEL_ANSWER_MS: with the final state
   * when the run ended by then, else with status `cancelling` while the runner finishes the job.
   * The output kiro-cli wrote before it stopped is all stored; a turn that had already completed
   * stays completed.
   */
  async cancel(sessionId: string, taskId: string): Promise<TaskStatusView> {
    const before = this.#require(taskId);
    if (before.status === "running") this.#markCancelling(before);
    await this.#settled(taskId, CANCEL_ANSWER_MS);
    return statusView(this.#deps.store, sessionId, this.#require(taskId), before.chunk_count);
  }

  /** Asks every active task to stop, without waiting; returns how many there were. */
  cancelAll(): number {
    const active = this.#deps.store.running();
    for (const task of active) if (task.status === "running") this.#markCancelling(task);
    return active.length;
  }

  list(sessionId: string, includeDone: boolean): TaskSummary[] {
    this.resume();
    return this.#deps.store
      .list(includeDone, LIMITS.MAX_TASKS_LISTED)
      .map((task) => summaryView(sessionId, task));
  }

  /** Makes sure every active task progresses in this instance. */
  resume(): void {
    for (const task of this.#deps.store.running()) this.#watch(task);
  }

  /**
   * What an active task needs from this instance: a run the runner has accepted (a start that
   * was cut off with an earlier instance is looked up), its cancel sent when one was asked for,
   * and its output streaming.
   */
  #watch(task: TaskRow): void {
    if (task.boot_id === null) {
      if (!this.#starting.has(task.id)) this.#background(`adopt:${task.id}`, () => this.#adopt(task));
      return;
    }
    if (task.status === "cancelling") this.#background(`cancel:${task.id}`, () => this.#sendCancel(task));
    void this.#ingest.ensure(task.id);
  }

  #markCancelling(task: TaskRow): void {
    if (!this.#deps.store.markCancelling(task.id)) return;
    this.#deps.log.info("task.cancelling", { task_id: task.id });
    this.#waiters.notify(task.id);
    const current = this.#deps.store.get(task.id);
    if (current) this.#watch(current);
  }

  /** Asks the runner to stop the run; the run's exit event, read by the ingest, ends the task. */
  async #sendCancel(task: TaskRow): Promise<void> {
    try {
      const summary = await this.#deps.runner().cancelRun(task.run_id);
      this.#deps.log.info("task.cancel_sent", { task_id: task.id, run_status: summary.status });
    } catch (error) {
      if (!(error instanceof RunnerRequestError)) throw error;
      // The ingest judges a runner that is gone; a runner that comes back gets the cancel again.
      this.#deps.log.warn("task.cancel_unconfirmed", { task_id: task.id, code: error.code });
    }
  }

  /**
   * A task recorded by a start that never returned (the object was reset meanwhile): the runner
   * says whether it accepted the run. Not knowing it means nothing ran; an unreachable runner is
   * asked again until the unreachable-runner limit.
   */
  async #adopt(task: TaskRow): Promise<void> {
    try {
      const known = await this.#deps.runner().run(task.run_id);
      this.#deps.store.setBootId(task.id, known.boot_id);
      const current = this.#deps.store.get(task.id);
      if (current) this.#watch(current);
    } catch (error) {
      if (!(error instanceof RunnerRequestError)) throw error;
      const unknown = error.code === "run_not_found" || error.code === "run_expired";
      if (!unknown && Date.now() - task.created_at <= LIMITS.RUNNER_UNREACHABLE_FAIL_MS) return;
      this.#ingest.end(task.id, {
        status: "failed",
        reason: "runner_lost",
        error: unknown
          ? "The start of this task was cut off before the runner accepted it, so nothing ran. Send the message again."
          : `The runner has been unreachable since this task was started (${error.code}). Send the message again.`,
      });
    }
  }

  /** Runs `job` unless one with the same key is still in flight; its failure is logged. */
  #background(key: string, job: () => Promise<void>): void {
    if (this.#inFlight.has(key)) return;
    this.#inFlight.add(key);
    job()
      .catch((error: unknown) =>
        this.#deps.log.error("task.background_failed", { key, error: String(error) }),
      )
      .finally(() => this.#inFlight.delete(key));
  }

  /** Waits until the task has ended, at most `timeoutMs`. */
  async #settled(taskId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = this.#deps.store.get(taskId);
      const left = deadline - Date.now();
      if (task === undefined || !isActive(task.status) || left <= 0) return;
      await this.#waiters.wait(taskId, left);
    }
  }

  #require(taskId: string): TaskRow {
    const task = this.#deps.store.get(taskId);
    if (task) return task;
    if (this.#deps.store.isExpired(taskId)) {
      const ttlMin = Math.round(this.#deps.taskTtlMs / 60_000);
      throw new KiroError(
        ErrorCode.TaskExpired,
        `Task ${taskId} expired: finished tasks and their output are kept for ${ttlMin} min after they end (KIRO_TASK_TTL).`,
      );
    }
    throw taskNotFound(taskId);
  }
}
