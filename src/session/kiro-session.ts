import { DurableObject } from "cloudflare:workers";
import { LIMITS } from "../config.ts";
import { ErrorCode, KiroError, type Outcome, outcome, taskNotFound } from "../errors.ts";
import { accountObjectName, newTaskId, sessionObjectName } from "../ids.ts";
import type { AgentInfo, CommandResponse, RunnerClient } from "../runner/client.ts";
import { RunnerRequestError } from "../runner/client.ts";
import { toKiroError } from "../runner/errors.ts";
import { runnerForSession } from "../runner/select.ts";
import { startRunOnce } from "../runner/start.ts";
import { settings } from "../settings.ts";
import { durableSql, migrate, type Sql } from "../storage/sql.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { History, type HistoryEntry, historyMarkdown } from "./history.ts";
import { TaskIngest } from "./ingest.ts";
import { SessionMeta, type SessionRecord, type SessionSettings } from "./meta.ts";
import { type PoolInfo, poolInfo } from "./pool-info.ts";
import { prepareWorkspace, requireAgent } from "./repository.ts";
import { nextAlarmAt } from "./schedule.ts";
import { SESSION_SCHEMA } from "./schema.ts";
import { type TaskEnd, type TaskRow, TaskStore } from "./task-store.ts";
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
 * produced. Its alarm resumes that streaming after an eviction (with no client polling), sweeps
 * finished tasks after KIRO_TASK_TTL, and ends the session after KIRO_SESSION_IDLE_TTL.
 */
export class KiroSession extends DurableObject<Env> {
  readonly #sql: Sql;
  readonly #store: TaskStore;
  readonly #meta: SessionMeta;
  readonly #history: History;
  readonly #waiters = new Waiters();
  readonly #ingest: TaskIngest;
  readonly #log: Logger = createLogger({ component: "session" });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = durableSql(ctx.storage);
    migrate(this.#sql, SESSION_SCHEMA);
    this.#store = new TaskStore(this.#sql);
    this.#meta = new SessionMeta(this.#sql);
    this.#history = new History(this.#sql);
    this.#ingest = new TaskIngest({
      store: this.#store,
      runner: () => this.#runner(),
      changed: (taskId) => this.#waiters.notify(taskId),
      ended: (_taskId, end) => this.#turnEnded(end),
      log: this.#log,
      maxTaskOutputBytes: settings(env).maxTaskOutputBytes,
    });
  }

  /**
   * Sets the session up: resolves its working directory on its runner (cloning the repository
   * into it first, when one is given), then records it.
   */
  async init(request: InitRequest): Promise<Outcome<SessionInfo>> {
    return outcome(async () => {
      if (this.#meta.read()) return this.#info();
      const runner = runnerForSession(this.env, sessionObjectName(request.userId, request.sessionId));
      const { workingDirectory, cloned } = await this.#callRunner(() => prepareWorkspace(runner, request));
      await this.#callRunner(() => requireAgent(runner, request.agent, workingDirectory));
      const { userId, sessionId, agent } = request;
      this.#meta.write({ userId, sessionId, agent, workingDirectory, cloned, createdAt: Date.now() });
      await this.#schedule();
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
      this.#store.create(taskId, message, Date.now());
      try {
        const started = await this.#callRunner(() =>
          startRunOnce(this.#runner(), {
            run_id: taskId,
            session_key: meta.sessionId,
            message,
            cwd: meta.workingDirectory,
            agent: meta.agent ?? undefined,
            resume: meta.resumable,
          }),
        );
        this.#store.setBootId(taskId, started.boot_id);
      } catch (error) {
        this.#store.discard(taskId);
        throw error;
      }
      this.#meta.update({ lastActive: Date.now() });
      this.#log.info("task.started", { task_id: taskId, session_id: meta.sessionId, resume: meta.resumable });
      await this.#watch();
      return { task_id: taskId, session_id: meta.sessionId, status: "running" };
    });
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async taskStatus(request: StatusRequest): Promise<Outcome<TaskStatusView>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      let task = this.#requireTask(request.taskId);
      if (task.status === "running") {
        // The alarm set at start survives evictions; a poll only makes sure this task streams.
        void this.#ingest.ensure(task.id);
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
      if (task.status === "running") await this.#cancel(task);
      return statusView(this.#store, meta.sessionId, this.#requireTask(taskId), task.chunk_count);
    });
  }

  async listTasks(includeDone: boolean): Promise<Outcome<TaskSummary[]>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      this.#resumeIngest();
      return this.#store
        .list(includeDone, LIMITS.MAX_TASKS_LISTED)
        .map((task) => summaryView(meta.sessionId, task));
    });
  }

  /** Forgets Kiro's saved conversation: the next turn starts fresh. */
  async clearConversation(): Promise<Outcome<SessionInfo>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      await this.#callRunner(() => this.#runner().resetSession(meta.sessionId));
      this.#meta.update({ resumable: false, lastActive: Date.now() });
      return this.#info();
    });
  }

  async history(limit: number): Promise<Outcome<{ turns: HistoryEntry[]; total: number }>> {
    return outcome(() => {
      this.#requireMeta();
      return { turns: this.#history.recent(limit), total: this.#history.count() };
    });
  }

  async clearHistory(): Promise<Outcome<{ cleared: number }>> {
    return outcome(() => {
      this.#requireMeta();
      return { cleared: this.#history.clear() };
    });
  }

  /** Writes the recorded conversation as Markdown to `path` in the workspace. */
  async saveConversation(path: string): Promise<Outcome<{ path: string; bytes: number; turns: number }>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      const turns = this.#history.recent(LIMITS.MAX_HISTORY_TURNS);
      const written = await this.#callRunner(() =>
        this.#runner().writeFile(path, historyMarkdown(meta.sessionId, turns)),
      );
      return { path: written.path, bytes: written.bytes, turns: turns.length };
    });
  }

  async command(command: string): Promise<Outcome<CommandResponse>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      const request = { command, cwd: meta.workingDirectory, agent: meta.agent ?? undefined };
      const result = await this.#callRunner(() => this.#runner().command(meta.sessionId, request));
      this.#meta.update({ lastActive: Date.now() });
      return result;
    });
  }

  async agents(): Promise<Outcome<AgentInfo[]>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      return this.#callRunner(() => this.#runner().agents(meta.workingDirectory));
    });
  }

  async pool(): Promise<Outcome<PoolInfo>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      return poolInfo(this.env, meta, this.#runner(), this.#store.running().length);
    });
  }

  /**
   * Ends the session: cancels its running tasks, stops its kiro-cli (and container), and deletes
   * everything it stored. The caller (the Account) forgets the session first.
   */
  async end(): Promise<Outcome<{ cancelled_tasks: number }>> {
    return outcome(async () => {
      const meta = this.#requireMeta();
      const running = this.#store.running();
      for (const task of running) await this.#cancel(task);
      // A shared host runner only forgets this session; a session's own container goes away
      // whole (asking it first would start a stopped container just to stop it).
      const stop = settings(this.env).runnerUrl
        ? this.#runner().endSession(meta.sessionId)
        : this.env.KIRO_CONTAINER.getByName(this.#objectName(meta)).destroy();
      await stop.catch((error: unknown) => this.#log.warn("session.end_runner", { error: String(error) }));
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.#meta.reset();
      migrate(this.#sql, SESSION_SCHEMA); // empty tables, so late callers read "not found"
      this.#log.info("session.ended", { session_id: meta.sessionId, cancelled_tasks: running.length });
      return { cancelled_tasks: running.length };
    });
  }

  /** Watchdog, sweep and idle expiry, then the next alarm. */
  override async alarm(): Promise<void> {
    const meta = this.#meta.read();
    if (!meta) return;
    const now = Date.now();
    const config = settings(this.env);
    const swept = this.#store.sweep(now - config.taskTtlMs, now);
    this.#store.forgetExpired(now - LIMITS.EXPIRED_TOMBSTONE_MS);
    if (swept > 0) this.#log.info("tasks.swept", { session_id: meta.sessionId, count: swept });
    const idle = this.#store.running().length === 0 && now - meta.lastActive > config.sessionIdleTtlMs;
    if (idle) return this.#expire(meta);
    await this.#watch();
  }

  /** Resumes streaming for every running task and keeps the alarm set for what comes next. */
  async #watch(): Promise<void> {
    this.#resumeIngest();
    await this.#schedule();
  }

  #resumeIngest(): void {
    for (const task of this.#store.running()) void this.#ingest.ensure(task.id);
  }

  async #schedule(): Promise<void> {
    const meta = this.#meta.read();
    if (!meta) return;
    const config = settings(this.env);
    const at = nextAlarmAt({
      now: Date.now(),
      running: this.#store.running().length > 0,
      oldestEnded: this.#store.oldestEnded(),
      lastActive: meta.lastActive,
      taskTtlMs: config.taskTtlMs,
      sessionIdleTtlMs: config.sessionIdleTtlMs,
    });
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < Date.now()) await this.ctx.storage.setAlarm(at);
  }

  async #cancel(task: TaskRow): Promise<void> {
    const confirmed = this.#waiters.wait(task.id, CANCEL_CONFIRM_MS);
    void this.#ingest.ensure(task.id);
    try {
      await this.#runner().cancelRun(task.run_id);
      await confirmed;
    } catch (error) {
      if (!(error instanceof RunnerRequestError)) throw error;
      this.#log.warn("task.cancel_unconfirmed", { task_id: task.id, code: error.code });
    }
    const end = { status: "cancelled", reason: "cancelled", error: "Cancelled by the user." } as const;
    this.#store.finish(task.id, end, Date.now(), LIMITS.MAX_RESULT_BYTES);
    this.#waiters.notify(task.id);
  }

  /** An idle session ends itself; its Account forgets it first so no one can reach it meanwhile. */
  async #expire(meta: SessionRecord): Promise<void> {
    this.#log.info("session.idle_expired", { session_id: meta.sessionId });
    const account = this.env.ACCOUNT.getByName(accountObjectName(meta.userId));
    await account.forgetSession(meta.sessionId);
    await this.end();
  }

  /** Calls the runner; a runner failure is logged in full and reaches the user in its safe form. */
  async #callRunner<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RunnerRequestError)) throw error;
      this.#log.warn("runner.failed", { code: error.code, status: error.status, error: error.message });
      throw toKiroError(error);
    }
  }

  #turnEnded(end: TaskEnd): void {
    if (end.status === "completed") this.#meta.update({ resumable: true });
    this.#schedule().catch((error: unknown) => this.#log.error("session.schedule", { error: String(error) }));
  }

  #runner(): RunnerClient {
    return runnerForSession(this.env, this.#objectName(this.#requireMeta()));
  }

  #objectName(meta: SessionRecord): string {
    return sessionObjectName(meta.userId, meta.sessionId);
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
      repository: meta.cloned ?? null,
    };
  }

  #requireMeta(): SessionRecord {
    const meta = this.#meta.read();
    if (!meta) throw new KiroError(ErrorCode.SessionNotFound, "Session not found.");
    return meta;
  }

  #requireTask(taskId: string): TaskRow {
    const task = this.#store.get(taskId);
    if (task) return task;
    if (this.#store.isExpired(taskId)) {
      const ttl = settings(this.env).taskTtlMs;
      throw new KiroError(
        ErrorCode.TaskExpired,
        `Task ${taskId} expired: finished tasks and their output are kept for ${Math.round(ttl / 60_000)} min after they end (KIRO_TASK_TTL).`,
      );
    }
    throw taskNotFound(taskId);
  }
}
