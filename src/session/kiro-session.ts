import { DurableObject } from "cloudflare:workers";
import { countedEnv, countRequest } from "../debug/request-counts.ts";
import type { KiroError } from "../errors.ts";
import { type Outcome, outcome, taskNotFound } from "../errors.ts";
import { sessionIdOfTask } from "../ids.ts";
import type { AgentInfo, CommandResponse, ReadFileResponse, RunnerClient } from "../runner/client.ts";
import { runnerForSession } from "../runner/select.ts";
import { kiroApiKeyOf } from "../secrets/kiro-key.ts";
import type { SecretValues } from "../secrets/store.ts";
import { settings } from "../settings.ts";
import { durableSql, LazySchemaSql } from "../storage/sql.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { answerPrompt } from "./answer-prompt.ts";
import { History, type HistoryEntry } from "./history.ts";
import { SessionMeta, type SessionRecord } from "./meta.ts";
import { type PoolInfo, poolInfo } from "./pool-info.ts";
import { SESSION_SCHEMA } from "./schema.ts";
import { SessionCli } from "./session-cli.ts";
import { type InitRequest, SessionLifecycle } from "./session-lifecycle.ts";
import { requireSession, withSession } from "./session-rpc.ts";
import { SessionWorkspace } from "./session-workspace.ts";
import { requireReady } from "./setup.ts";
import { type TaskDigest, taskDigest } from "./task-digest.ts";
import { type TaskOverview, taskOverview } from "./task-overview.ts";
import { TaskStore } from "./task-store.ts";
import { sessionInfoView } from "./task-views.ts";
import { SessionTasks, type StartOptions, type StatusRequest } from "./tasks.ts";
import type { SessionInfo, TaskStarted, TaskStatusView, TaskSummary } from "./views.ts";
import type { DiffView, PushView } from "./workspace-out.ts";

/**
 * One Kiro session: its tasks, their output and the conversation, in this object's SQLite.
 * It starts runs on the session's runner and streams their output into storage as it is
 * produced. Its alarm resumes that streaming after an eviction (with no client polling), sweeps
 * finished tasks after KIRO_TASK_TTL, and ends the session after KIRO_SESSION_IDLE_TTL.
 *
 * This class is the session's RPC surface (the Worker calls these methods through stubs): each
 * method checks the session exists and hands on to the part that does the work — its turns
 * (tasks.ts), its workspace (session-workspace.ts), its kiro-cli outside turns (session-cli.ts),
 * its life from set-up to end (session-lifecycle.ts) — and answers an Outcome.
 */
export class KiroSession extends DurableObject<Env> {
  readonly #store: TaskStore;
  readonly #meta: SessionMeta;
  readonly #history: History;
  readonly #tasks: SessionTasks;
  readonly #workspace: SessionWorkspace;
  readonly #life: SessionLifecycle;
  readonly #cli: SessionCli;
  readonly #log: Logger = createLogger({ component: "session" });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
    // Tables are made by init(): an object reached by an unknown or foreign id stays empty.
    const sql = new LazySchemaSql(durableSql(ctx.storage), SESSION_SCHEMA);
    this.#store = new TaskStore(sql);
    this.#meta = new SessionMeta(sql);
    this.#history = new History(sql);
    const parts = { meta: this.#meta, store: this.#store, runner: () => this.#runner(), log: this.#log };
    const config = settings(env);
    this.#tasks = new SessionTasks({
      ...parts,
      ended: (taskId, end) => this.#life.turnEnded(taskId, end),
      maxTaskOutputBytes: config.maxTaskOutputBytes,
      taskTtlMs: config.taskTtlMs,
    });
    this.#workspace = new SessionWorkspace({ ...parts, env });
    this.#cli = new SessionCli({ ...parts, env: this.env, history: this.#history });
    this.#life = new SessionLifecycle({
      ...parts,
      env: this.env,
      storage: ctx.storage,
      sql,
      tasks: this.#tasks,
      workspace: this.#workspace,
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
      await this.#life.setUp(request, runnerForSession(this.env, request.userId, request.sessionId));
      return this.#info();
    });
  }

  async info(): Promise<Outcome<SessionInfo>> {
    return outcome(() => this.#info());
  }

  /**
   * Starts a turn as task `taskId` (minted by the Account, which counts it as running until this
   * object reports its end). `secrets` are the user's own, decrypted: the Account hands them over
   * with the start, so the turn's Kiro API key and git credential cost no call back to it.
   */
  async startTask(
    message: string,
    taskId: string,
    secrets: SecretValues,
    options: StartOptions = {},
  ): Promise<Outcome<TaskStarted>> {
    return this.#withMeta(async (meta) => {
      if (sessionIdOfTask(taskId) !== meta.sessionId)
        throw new TypeError(`task ${taskId} is not of this session`);
      requireReady(meta);
      const apiKey = kiroApiKeyOf(this.env, meta.userId, secrets);
      const current = await this.#workspace.beforeTurn(meta);
      const workspace = this.#workspace.source(current, secrets);
      const started = await this.#tasks.start(current, message, apiKey, taskId, { ...options, workspace });
      this.#workspace.deliverNotice(taskId);
      this.#meta.update({ lastActive: Date.now() });
      this.#log.info("task.started", {
        task_id: started.task_id,
        session_id: meta.sessionId,
        resume: meta.resumable,
      });
      await this.#life.watch();
      return started;
    });
  }

  /** A task's state and the chunks from `fromChunkIndex` on; waits up to `waitMs` for news. */
  async taskStatus(request: StatusRequest): Promise<Outcome<TaskStatusView>> {
    return this.#withMeta(
      (meta) => this.#tasks.status(meta.sessionId, request),
      () => taskNotFound(request.taskId),
    );
  }

  /** The ids of the turns running here: the Account's check on its count of running turns. */
  async activeTaskIds(): Promise<string[]> {
    return this.#store.running().map((task) => task.id);
  }

  /** The message that started `taskId` (running, finished or expired): the live view's heading. */
  async taskOverview(taskId: string): Promise<Outcome<TaskOverview>> {
    return this.#withMeta(
      () => taskOverview(this.#store, this.#history, taskId),
      () => taskNotFound(taskId),
    );
  }

  /** The answer's text in chunks `from`..`to`, cut at `maxBytes`: a stretch the live view renders. */
  async answerText(taskId: string, from: number, to: number, maxBytes: number) {
    return this.#withMeta(
      () => {
        if (this.#store.get(taskId) === undefined) throw taskNotFound(taskId);
        return this.#store.result(taskId, maxBytes, from, to);
      },
      () => taskNotFound(taskId),
    );
  }

  /** A task's state without its chunks: for MCP Tasks extension clients (src/mcp/tasks). */
  async taskDigest(taskId: string): Promise<Outcome<TaskDigest>> {
    return this.#withMeta(
      async (meta) => {
        const end = { taskId, fromChunkIndex: Number.MAX_SAFE_INTEGER, waitMs: 0 };
        return taskDigest(this.#store, await this.#tasks.status(meta.sessionId, end));
      },
      () => taskNotFound(taskId),
    );
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
    return this.#withMeta(
      (meta) => this.#tasks.cancel(meta.sessionId, taskId),
      () => taskNotFound(taskId),
    );
  }

  async listTasks(includeDone: boolean): Promise<Outcome<TaskSummary[]>> {
    return this.#withMeta((meta) => this.#tasks.list(meta.sessionId, includeDone));
  }

  /** Forgets Kiro's saved conversation: the next turn starts fresh. */
  async clearConversation(): Promise<Outcome<SessionInfo>> {
    return this.#withMeta(async (meta) => {
      await this.#cli.clearConversation(meta);
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
    return this.#withMeta((meta) => this.#cli.saveConversation(meta, path));
  }

  async command(command: string): Promise<Outcome<CommandResponse>> {
    return this.#withMeta((meta) => this.#cli.command(meta, command));
  }

  async agents(): Promise<Outcome<AgentInfo[]>> {
    return this.#withMeta((meta) => this.#cli.agents(meta));
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
    return this.#withMeta((meta) => this.#life.end(meta));
  }

  /** Watchdog, sweep and idle expiry, then the next alarm (session-lifecycle.ts). */
  override async alarm(): Promise<void> {
    countRequest(this.env, "KiroSession.alarm");
    await this.#life.alarm(() => this.end());
  }

  /** Runs an RPC that needs the session set up (session-rpc.ts); `missing` answers for none. */
  #withMeta<T>(fn: (meta: SessionRecord) => T | Promise<T>, missing?: () => KiroError): Promise<Outcome<T>> {
    return withSession(this.#meta, fn, missing);
  }

  #runner(): RunnerClient {
    const meta = this.#requireMeta();
    return runnerForSession(this.env, meta.userId, meta.sessionId);
  }

  #info(): SessionInfo {
    return sessionInfoView(this.#requireMeta(), this.#store.running().length);
  }

  #requireMeta(): SessionRecord {
    return requireSession(this.#meta);
  }
}
