import { LIMITS } from "../config.ts";
import { ErrorCode, KiroError, taskNotFound } from "../errors.ts";
import { type RunnerClient, RunnerRequestError } from "../runner/client.ts";
import { startRunOnce } from "../runner/start.ts";
import type { Logger } from "../util/log.ts";
import { TaskIngest } from "./ingest.ts";
import type { SessionRecord } from "./meta.ts";
import { callRunner } from "./runner-call.ts";
import type { TaskEnd, TaskRow, TaskStore } from "./task-store.ts";
import { statusView, summaryView } from "./task-views.ts";
import type { TaskStarted, TaskStatusView, TaskSummary } from "./views.ts";
import { Waiters } from "./waiters.ts";

/** How long a cancel waits for the runner to confirm before recording the cancel itself. */
const CANCEL_CONFIRM_MS = 5_000;
/** One turn at a time: kiro-cli continues one conversation per session. */
const MAX_RUNNING_TASKS = 1;

export interface StatusRequest {
  taskId: string;
  fromChunkIndex: number;
  waitMs: number;
}

/** How a turn is started, besides its message. */
export interface StartOptions {
  /** The tool that started the turn as an MCP Tasks extension task; kept with the task. */
  origin?: string | undefined;
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
 */
export class SessionTasks {
  readonly #deps: SessionTasksDeps;
  readonly #waiters = new Waiters();
  readonly #ingest: TaskIngest;

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
    try {
      const started = await callRunner(this.#deps.log, () =>
        startRunOnce(this.#deps.runner(), {
          run_id: taskId,
          session_key: meta.sessionId,
          message,
          cwd: meta.workingDirectory,
          agent: meta.agent ?? undefined,
          resume: meta.resumable,
          kiro_api_key: apiKey,
        }),
      );
      store.setBootId(taskId, started.boot_id);
    } catch (error) {
      store.discard(taskId);
      throw error;
    }
    return { task_id: taskId, session_id: meta.sessionId, status: "running" };
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async status(sessionId: string, request: StatusRequest): Promise<TaskStatusView> {
    let task = this.#require(request.taskId);
    if (task.status === "running") {
      // The alarm set at start survives evictions; a poll only makes sure this task streams.
      void this.#ingest.ensure(task.id);
      if (request.waitMs > 0 && task.chunk_count <= request.fromChunkIndex) {
        await this.#waiters.wait(task.id, request.waitMs);
        task = this.#require(request.taskId);
      }
    }
    return statusView(this.#deps.store, sessionId, task, request.fromChunkIndex);
  }

  async cancel(sessionId: string, taskId: string): Promise<TaskStatusView> {
    const task = this.#require(taskId);
    if (task.status === "running") await this.#cancel(task);
    return statusView(this.#deps.store, sessionId, this.#require(taskId), task.chunk_count);
  }

  /** Cancels every running task; returns how many there were. */
  async cancelAll(): Promise<number> {
    const running = this.#deps.store.running();
    for (const task of running) await this.#cancel(task);
    return running.length;
  }

  list(sessionId: string, includeDone: boolean): TaskSummary[] {
    this.resume();
    return this.#deps.store
      .list(includeDone, LIMITS.MAX_TASKS_LISTED)
      .map((task) => summaryView(sessionId, task));
  }

  /** Makes sure every running task streams its output in this instance. */
  resume(): void {
    for (const task of this.#deps.store.running()) void this.#ingest.ensure(task.id);
  }

  async #cancel(task: TaskRow): Promise<void> {
    const confirmed = this.#waiters.wait(task.id, CANCEL_CONFIRM_MS);
    void this.#ingest.ensure(task.id);
    try {
      await this.#deps.runner().cancelRun(task.run_id);
      await confirmed;
    } catch (error) {
      if (!(error instanceof RunnerRequestError)) throw error;
      this.#deps.log.warn("task.cancel_unconfirmed", { task_id: task.id, code: error.code });
    }
    const end = { status: "cancelled", reason: "cancelled", error: "Cancelled by the user." } as const;
    if (this.#deps.store.finish(task.id, end, Date.now(), LIMITS.MAX_RESULT_BYTES))
      this.#deps.ended(task.id, end);
    this.#waiters.notify(task.id);
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
