import { DurableObject } from "cloudflare:workers";
import { LIMITS } from "../config.ts";
import { ErrorCode, KiroError, type Outcome, outcome } from "../errors.ts";
import { newTaskId, sessionObjectName } from "../ids.ts";
import type { RunnerClient } from "../runner/client.ts";
import { RunnerError } from "../runner/client.ts";
import { toKiroError } from "../runner/errors.ts";
import { runnerForSession } from "../runner/select.ts";
import { durableSql, migrate } from "../storage/sql.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { TaskIngest } from "./ingest.ts";
import { SessionMeta, type SessionSettings } from "./meta.ts";
import { SESSION_SCHEMA } from "./schema.ts";
import { TaskStore } from "./task-store.ts";
import { statusView, summaryView } from "./task-views.ts";
import type { SessionInfo, TaskStarted, TaskStatusView, TaskSummary } from "./views.ts";
import { Waiters } from "./waiters.ts";

/** How long a cancel waits for the runner to confirm before recording the cancel itself. */
const CANCEL_CONFIRM_MS = 5_000;
/** One turn at a time: kiro-cli continues one conversation per session. */
const MAX_RUNNING_TASKS = 1;

export interface InitRequest extends SessionSettings {
  userId: string;
  sessionId: string;
}

export interface StatusRequest {
  taskId: string;
  fromChunkIndex: number;
  waitMs: number;
}

/**
 * One Kiro session: its tasks, their output and the conversation, in this object's SQLite.
 * It starts runs on the session's runner and streams their output into storage as it is
 * produced; a watchdog alarm resumes that streaming after an eviction, with no client polling.
 */
export class KiroSession extends DurableObject<Env> {
  readonly #store: TaskStore;
  readonly #meta: SessionMeta;
  readonly #waiters = new Waiters();
  readonly #ingest: TaskIngest;
  readonly #log: Logger = createLogger({ component: "session" });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = durableSql(ctx.storage);
    migrate(sql, SESSION_SCHEMA);
    this.#store = new TaskStore(sql);
    this.#meta = new SessionMeta(sql);
    this.#ingest = new TaskIngest({
      store: this.#store,
      runner: () => this.#runner(),
      changed: (taskId) => this.#waiters.notify(taskId),
      log: this.#log,
    });
  }

  /** Sets the session up: resolves its working directory on its runner, then records it. */
  async init(request: InitRequest): Promise<Outcome<SessionInfo>> {
    return outcome(async () => {
      const existing = this.#meta.read();
      if (existing) return this.#info();
      const runner = runnerForSession(this.env, sessionObjectName(request.userId, request.sessionId));
      const workingDirectory = await this.#callRunner(() =>
        runner.resolveWorkspace(request.workingDirectory),
      );
      this.#meta.write({ ...request, workingDirectory, createdAt: Date.now() });
      return this.#info();
    });
  }

  async info(): Promise<Outcome<SessionInfo>> {
    return outcome(() => this.#info());
  }

  async startTask(message: string): Promise<Outcome<TaskStarted>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      const running = this.#store.running();
      if (running.length >= MAX_RUNNING_TASKS) {
        throw new KiroError(
          ErrorCode.Busy,
          `Session ${meta.sessionId} is busy with task ${running[0]?.id}. Wait for it, cancel it with kiro_task_cancel, or create another session.`,
        );
      }
      const taskId = newTaskId(meta.sessionId);
      const resume = this.#store.hasCompletedTurn();
      this.#store.create(taskId, message, Date.now());
      try {
        const started = await this.#callRunner(() =>
          this.#runner().startRun({
            run_id: taskId,
            message,
            cwd: meta.workingDirectory,
            agent: meta.agent ?? undefined,
            resume,
          }),
        );
        this.#store.setBootId(taskId, started.boot_id);
      } catch (error) {
        this.#store.discard(taskId);
        throw error;
      }
      this.#meta.touch(Date.now());
      this.#log.info("task.started", { task_id: taskId, session_id: meta.sessionId, resume });
      this.#watch();
      return { task_id: taskId, session_id: meta.sessionId, status: "running" };
    });
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async taskStatus(request: StatusRequest): Promise<Outcome<TaskStatusView>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      let task = this.#requireTask(request.taskId);
      if (task.status === "running") {
        this.#watch();
        if (request.waitMs > 0 && task.chunk_count <= request.fromChunkIndex) {
          await this.#waiters.wait(task.id, request.waitMs);
          task = this.#requireTask(request.taskId);
        }
      }
      return statusView(this.#store, meta.sessionId, task, request.fromChunkIndex);
    });
  }

  async cancelTask(taskId: string): Promise<Outcome<TaskStatusView>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      const task = this.#requireTask(taskId);
      if (task.status === "running") {
        const confirmed = this.#waiters.wait(taskId, CANCEL_CONFIRM_MS);
        this.#watch();
        try {
          await this.#runner().cancelRun(task.run_id);
          await confirmed;
        } catch (error) {
          if (!(error instanceof RunnerError)) throw error;
          this.#log.warn("task.cancel_unconfirmed", { task_id: taskId, code: error.code });
        }
        const end = { status: "cancelled", reason: "cancelled", error: "Cancelled by the user." } as const;
        this.#store.finish(taskId, end, Date.now(), LIMITS.MAX_RESULT_BYTES);
        this.#waiters.notify(taskId);
      }
      return statusView(this.#store, meta.sessionId, this.#requireTask(taskId), task.chunk_count);
    });
  }

  async listTasks(includeDone: boolean): Promise<Outcome<TaskSummary[]>> {
    return outcome(() => {
      const meta = this.#requireMeta();
      this.#watch();
      return this.#store
        .list(includeDone, LIMITS.MAX_TASKS_LISTED)
        .map((task) => summaryView(meta.sessionId, task));
    });
  }

  /** Watchdog: resumes streaming for every running task, and re-arms while any is running. */
  override async alarm(): Promise<void> {
    this.#watch();
  }

  #watch(): void {
    const running = this.#store.running();
    for (const task of running) void this.#ingest.ensure(task.id);
    if (running.length > 0) {
      void this.ctx.storage.setAlarm(Date.now() + LIMITS.WATCHDOG_INTERVAL_MS);
    }
  }

  #runner(): RunnerClient {
    const meta = this.#requireMeta();
    return runnerForSession(this.env, sessionObjectName(meta.userId, meta.sessionId));
  }

  async #callRunner<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RunnerError) throw toKiroError(error);
      throw error;
    }
  }

  #info(): SessionInfo {
    const meta = this.#requireMeta();
    return {
      session_id: meta.sessionId,
      agent: meta.agent,
      working_directory: meta.workingDirectory,
      created_at: new Date(meta.createdAt).toISOString(),
      last_active: new Date(meta.lastActive).toISOString(),
      running_tasks: this.#store.running().length,
    };
  }

  #requireMeta() {
    const meta = this.#meta.read();
    if (!meta) throw new KiroError(ErrorCode.SessionNotFound, "Session not found.");
    return meta;
  }

  #requireTask(taskId: string) {
    const task = this.#store.get(taskId);
    if (!task) throw taskNotFound(taskId);
    return task;
  }
}

export function taskNotFound(taskId: string): KiroError {
  return new KiroError(
    ErrorCode.TaskNotFound,
    `Task ${taskId} not found. Use kiro_task_list to see your tasks.`,
  );
}
