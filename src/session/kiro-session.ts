import { DurableObject } from "cloudflare:workers";
import { LIMITS } from "../config.ts";
import { countedEnv, countRequest } from "../debug/request-counts.ts";
import { ErrorCode, KiroError, type Outcome, outcome, taskNotFound } from "../errors.ts";
import { accountObjectName, sessionIdOfTask, sessionObjectName } from "../ids.ts";
import type { AgentInfo, CommandResponse, ReadFileResponse, RunnerClient } from "../runner/client.ts";
import { runnerForSession } from "../runner/select.ts";
import { kiroApiKeyFor } from "../secrets/kiro-key.ts";
import { settings } from "../settings.ts";
import { durableSql, LazySchemaSql } from "../storage/sql.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { answerPrompt } from "./answer-prompt.ts";
import { History, type HistoryEntry, historyMarkdown } from "./history.ts";
import { SessionMeta, type SessionRecord, type SessionSettings } from "./meta.ts";
import { type PoolInfo, poolInfo } from "./pool-info.ts";
import { requireAgent } from "./repository.ts";
import { callRunner } from "./runner-call.ts";
import { nextAlarmAt } from "./schedule.ts";
import { SESSION_SCHEMA } from "./schema.ts";
import { SessionWorkspace } from "./session-workspace.ts";
import { requireReady } from "./setup.ts";
import { type TaskDigest, taskDigest } from "./task-digest.ts";
import { type TaskOverview, taskOverview } from "./task-overview.ts";
import { type TaskEnd, turnCompleted } from "./task-rows.ts";
import { TaskStore } from "./task-store.ts";
import { sessionInfoView } from "./task-views.ts";
import { SessionTasks, type StartOptions, type StatusRequest } from "./tasks.ts";
import type { SessionInfo, TaskStarted, TaskStatusView, TaskSummary } from "./views.ts";
import type { DiffView, PushView } from "./workspace-out.ts";

export interface InitRequest extends SessionSettings {
  userId: string;
  sessionId: string;
}

/**
 * One Kiro session: its tasks, their output and the conversation, in this object's SQLite.
 * It starts runs on the session's runner and streams their output into storage as it is
 * produced. Its alarm resumes that streaming after an eviction (with no client polling), sweeps
 * finished tasks after KIRO_TASK_TTL, and ends the session after KIRO_SESSION_IDLE_TTL.
 */
export class KiroSession extends DurableObject<Env> {
  readonly #sql: LazySchemaSql;
  readonly #store: TaskStore;
  readonly #meta: SessionMeta;
  readonly #history: History;
  readonly #tasks: SessionTasks;
  readonly #workspace: SessionWorkspace;
  readonly #log: Logger = createLogger({ component: "session" });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
    // Tables are made by init(): an object reached by an unknown or foreign id stays empty.
    this.#sql = new LazySchemaSql(durableSql(ctx.storage), SESSION_SCHEMA);
    this.#store = new TaskStore(this.#sql);
    this.#meta = new SessionMeta(this.#sql);
    this.#history = new History(this.#sql);
    const config = settings(env);
    this.#tasks = new SessionTasks({
      store: this.#store,
      runner: () => this.#runner(),
      log: this.#log,
      ended: (taskId, end) => this.#turnEnded(taskId, end),
      maxTaskOutputBytes: config.maxTaskOutputBytes,
      taskTtlMs: config.taskTtlMs,
    });
    this.#workspace = new SessionWorkspace({
      env,
      meta: this.#meta,
      store: this.#store,
      runner: () => this.#runner(),
      log: this.#log,
    });
  }

  /**
   * Sets the session up. Without a repository: its working directory is resolved on its runner
   * and it is ready at once. With one: the clone starts as the session's setup task and the
   * session answers `preparing` at once; the task's end makes it ready (or failed, with why).
   */
  async init(request: InitRequest): Promise<Outcome<SessionInfo>> {
    return outcome(async () => {
      if (this.#meta.read()) return this.#info();
      const { userId, sessionId, agent, repository } = request;
      const runner = runnerForSession(this.env, userId, sessionId);
      if (repository) {
        const storage = { create: () => this.#sql.create(), drop: () => this.#drop() };
        await this.#workspace.setUp({ ...request, repository }, runner, storage);
        await this.#watch();
        return this.#info();
      }
      const workingDirectory = await this.#callRunner(() =>
        runner.resolveWorkspace(request.workingDirectory),
      );
      await this.#callRunner(() => requireAgent(runner, agent, workingDirectory));
      this.#sql.create();
      this.#meta.write({ userId, sessionId, agent, workingDirectory, cloned: null, createdAt: Date.now() });
      await this.#schedule();
      return this.#info();
    });
  }

  async info(): Promise<Outcome<SessionInfo>> {
    return outcome(() => this.#info());
  }

  /**
   * Starts a turn as task `taskId` (minted by the Account, which counts it as running until this
   * object reports its end).
   */
  async startTask(
    message: string,
    taskId: string,
    options: StartOptions = {},
  ): Promise<Outcome<TaskStarted>> {
    return this.#withMeta(async (meta) => {
      if (sessionIdOfTask(taskId) !== meta.sessionId)
        throw new TypeError(`task ${taskId} is not of this session`);
      requireReady(meta);
      const apiKey = await kiroApiKeyFor(this.env, meta.userId);
      const current = await this.#workspace.beforeTurn(meta);
      const workspace = await this.#workspace.source(current);
      const started = await this.#tasks.start(current, message, apiKey, taskId, { ...options, workspace });
      this.#workspace.deliverNotice(taskId);
      this.#meta.update({ lastActive: Date.now() });
      this.#log.info("task.started", {
        task_id: started.task_id,
        session_id: meta.sessionId,
        resume: meta.resumable,
      });
      await this.#watch();
      return started;
    });
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async taskStatus(request: StatusRequest): Promise<Outcome<TaskStatusView>> {
    return this.#withMeta(
      (meta) => this.#tasks.status(meta.sessionId, request),
      taskNotFound(request.taskId),
    );
  }

  /** The ids of the turns running here: the Account's check on its count of running turns. */
  async activeTaskIds(): Promise<string[]> {
    return this.#store.running().map((task) => task.id);
  }

  /** The message that started `taskId` (running, finished or expired): the live view's heading. */
  async taskOverview(taskId: string): Promise<Outcome<TaskOverview>> {
    return this.#withMeta(() => taskOverview(this.#store, this.#history, taskId), taskNotFound(taskId));
  }

  /** The answer's text in chunks `from`..`to`, cut at `maxBytes`: a stretch the live view renders. */
  async answerText(taskId: string, from: number, to: number, maxBytes: number) {
    return this.#withMeta(() => {
      if (this.#store.get(taskId) === undefined) throw taskNotFound(taskId);
      return this.#store.result(taskId, maxBytes, from, to);
    }, taskNotFound(taskId));
  }

  /** A task's state without its chunks: for MCP Tasks extension clients (src/mcp/tasks). */
  async taskDigest(taskId: string): Promise<Outcome<TaskDigest>> {
    return this.#withMeta(async (meta) => {
      const end = { taskId, fromChunkIndex: Number.MAX_SAFE_INTEGER, waitMs: 0 };
      return taskDigest(this.#store, await this.#tasks.status(meta.sessionId, end));
    }, taskNotFound(taskId));
  }

  /**
   * A client's answer to one of Kiro's permission requests (KIRO_TRUST=ask): one of the offered
   * option ids, or null to dismiss it. `answered: false` when that request is not waiting (never
   * asked, answered already, decided by the timeout, or the task is over).
   */
  async answerPermission(
    taskId: string,
    key: string,
    optionId: string | null,
  ): Promise<Outcome<{ answered: boolean }>> {
    return this.#withMeta(async () => {
      const task = this.#store.get(taskId);
      if (task === undefined) throw taskNotFound(taskId);
      return {
        answered: await answerPrompt(this.#store.prompts, this.#runner(), task, key, optionId, this.#log),
      };
    });
  }

  async cancelTask(taskId: string): Promise<Outcome<TaskStatusView>> {
    return this.#withMeta((meta) => this.#tasks.cancel(meta.sessionId, taskId), taskNotFound(taskId));
  }

  async listTasks(includeDone: boolean): Promise<Outcome<TaskSummary[]>> {
    return this.#withMeta((meta) => this.#tasks.list(meta.sessionId, includeDone));
  }

  /** Forgets Kiro's saved conversation: the next turn starts fresh. */
  async clearConversation(): Promise<Outcome<SessionInfo>> {
    return this.#withMeta(async (meta) => {
      requireReady(meta);
      await this.#callRunner(() => this.#runner().resetSession(meta.sessionId));
      this.#meta.update({ resumable: false, lastActive: Date.now() });
      return this.#info();
    });
  }

  async history(limit: number): Promise<Outcome<{ turns: HistoryEntry[]; total: number }>> {
    return this.#withMeta(() => ({ turns: this.#history.recent(limit), total: this.#history.count() }));
  }

  async clearHistory(): Promise<Outcome<{ cleared: number }>> {
    return this.#withMeta(() => ({ cleared: this.#history.clear() }));
  }

  /** Writes the recorded conversation as Markdown to `path` in the workspace. */
  async saveConversation(path: string): Promise<Outcome<{ path: string; bytes: number; turns: number }>> {
    return this.#withMeta(async (meta) => {
      requireReady(meta);
      const turns = this.#history.recent(LIMITS.MAX_HISTORY_TURNS);
      const written = await this.#callRunner(() =>
        this.#runner().writeFile(path, historyMarkdown(meta.sessionId, turns)),
      );
      return { path: written.path, bytes: written.bytes, turns: turns.length };
    });
  }

  async command(command: string): Promise<Outcome<CommandResponse>> {
    return this.#withMeta(async (meta) => {
      requireReady(meta);
      const request = {
        command,
        cwd: meta.workingDirectory,
        agent: meta.agent ?? undefined,
        kiro_api_key: await kiroApiKeyFor(this.env, meta.userId),
      };
      const result = await this.#callRunner(() => this.#runner().command(meta.sessionId, request));
      this.#meta.update({ lastActive: Date.now() });
      return result;
    });
  }

  async agents(): Promise<Outcome<AgentInfo[]>> {
    return this.#withMeta((meta) => {
      requireReady(meta);
      return this.#callRunner(() => this.#runner().agents(meta.workingDirectory));
    });
  }

  /** What changed in the session's clone since it started (`path`: one file or directory). */
  async diff(path?: string): Promise<Outcome<DiffView>> {
    return this.#withMeta((meta) => this.#workspace.diff(meta, path));
  }

  /** Pushes the session's changes to a new branch of its repository with the user's GIT_TOKEN. */
  async push(branch: string, message?: string): Promise<Outcome<PushView>> {
    return this.#withMeta((meta) => this.#workspace.push(meta, branch, message));
  }

  /** One file of the session's working directory (`path` relative to it). */
  async readFile(path: string): Promise<Outcome<ReadFileResponse>> {
    return this.#withMeta((meta) => this.#workspace.readFile(meta, path));
  }

  async pool(): Promise<Outcome<PoolInfo>> {
    return this.#withMeta((meta) => poolInfo(this.env, meta, this.#runner(), this.#store.running().length));
  }

  /**
   * Ends the session: cancels its running tasks, stops its kiro-cli (and container), and deletes
   * everything it stored. The caller (the Account) forgets the session first.
   */
  async end(): Promise<Outcome<{ cancelled_tasks: number }>> {
    return this.#withMeta(async (meta) => {
      const cancelled = this.#tasks.cancelAll();
      // A shared host runner only forgets this session; a session's own container goes away
      // whole (asking it first would start a stopped container just to stop it).
      const stop = settings(this.env).runnerUrl
        ? this.#runner().endSession(meta.sessionId)
        : this.env.KIRO_CONTAINER.getByName(this.#objectName(meta)).destroy();
      await stop.catch((error: unknown) => this.#log.warn("session.end_runner", { error: String(error) }));
      await this.ctx.storage.deleteAlarm();
      await this.#drop();
      this.#log.info("session.ended", { session_id: meta.sessionId, cancelled_tasks: cancelled });
      return { cancelled_tasks: cancelled };
    });
  }

  /** Watchdog, sweep and idle expiry, then the next alarm. */
  override async alarm(): Promise<void> {
    countRequest(this.env, "KiroSession.alarm");
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

  /**
   * Runs an RPC that needs the session set up: `fn` gets its record. A session that does not exist
   * (never created, ended, or another user's: the object's name holds the user id) answers
   * `missing`, also when it ended while `fn` ran. Task calls pass their task's "not found", so a
   * foreign task id gets exactly the answer an unknown one gets.
   */
  #withMeta<T>(
    fn: (meta: SessionRecord) => T | Promise<T>,
    missing: KiroError = new KiroError(ErrorCode.SessionNotFound, "Session not found."),
  ): Promise<Outcome<T>> {
    return outcome(async () => {
      const meta = this.#meta.read();
      if (!meta) throw missing;
      try {
        return await fn(meta);
      } catch (error) {
        if (!this.#meta.read()) throw missing;
        throw error;
      }
    });
  }

  /** Resumes streaming for every running task and keeps the alarm set for what comes next. */
  async #watch(): Promise<void> {
    this.#tasks.resume();
    await this.#schedule();
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

  /** An idle session ends itself; its Account forgets it first so no one can reach it meanwhile. */
  async #expire(meta: SessionRecord): Promise<void> {
    this.#log.info("session.idle_expired", { session_id: meta.sessionId });
    const account = this.env.ACCOUNT.getByName(accountObjectName(meta.userId));
    await account.forgetSession(meta.sessionId);
    await this.end();
  }

  /** Deletes everything stored: no tables, nothing written, late callers read "not found". */
  async #drop(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#meta.reset();
    this.#sql.forget();
  }

  #callRunner<T>(call: () => Promise<T>): Promise<T> {
    return callRunner(this.#log, call);
  }

  /** Once per task: its end goes to the Account's count of running turns, then the next alarm is set. */
  #turnEnded(taskId: string, end: TaskEnd): void {
    const meta = this.#meta.read();
    if (meta && taskId === meta.setupTaskId) {
      void this.#workspace.setupEnded(meta, end).then(() => this.#schedule());
      return;
    }
    if (meta) {
      // Lost only with this object's eviction: then the Account settles its count with activeTaskIds.
      this.env.ACCOUNT.getByName(accountObjectName(meta.userId))
        .taskEnded(taskId)
        .catch((error: unknown) =>
          this.#log.warn("session.report_end", { task_id: taskId, error: String(error) }),
        );
    }
    if (turnCompleted(end)) this.#meta.update({ resumable: true });
    if (meta) this.#workspace.workDone(meta);
    this.#schedule().catch((error: unknown) => this.#log.error("session.schedule", { error: String(error) }));
  }

  #runner(): RunnerClient {
    const meta = this.#requireMeta();
    return runnerForSession(this.env, meta.userId, meta.sessionId);
  }

  #objectName(meta: SessionRecord): string {
    return sessionObjectName(meta.userId, meta.sessionId);
  }

  #info(): SessionInfo {
    return sessionInfoView(this.#requireMeta(), this.#store.running().length);
  }

  #requireMeta(): SessionRecord {
    const meta = this.#meta.read();
    if (!meta) throw new KiroError(ErrorCode.SessionNotFound, "Session not found.");
    return meta;
  }
}
