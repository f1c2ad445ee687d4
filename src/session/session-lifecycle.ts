/**
 * A session object's life: being set up (in place, or from a repository as its setup task), the
 * alarm it keeps set, what each alarm does, what a task's end sets off, and its end. The alarm is
 * due soon while a task runs (the watchdog that resumes streaming after an eviction, with no
 * client polling), else when the oldest finished task expires (KIRO_TASK_TTL) or the session goes
 * idle (KIRO_SESSION_IDLE_TTL), whichever comes first. Ending stops the session's runner or
 * container and deletes everything stored, so late callers read "not found".
 */
import { LIMITS } from "../config.ts";
import { accountObjectName, sessionObjectName } from "../ids.ts";
import type { RunnerClient } from "../runner/client.ts";
import { settings } from "../settings.ts";
import type { LazySchemaSql } from "../storage/sql.ts";
import type { Logger } from "../util/log.ts";
import type { SessionMeta, SessionRecord, SessionSettings } from "./meta.ts";
import { requireAgent } from "./repository.ts";
import { callRunner } from "./runner-call.ts";
import { nextAlarmAt } from "./schedule.ts";
import type { SessionWorkspace } from "./session-workspace.ts";
import { type TaskEnd, turnCompleted } from "./task-rows.ts";
import type { TaskStore } from "./task-store.ts";
import type { SessionTasks } from "./tasks.ts";

export interface InitRequest extends SessionSettings {
  userId: string;
  sessionId: string;
}

export interface SessionLifecycleDeps {
  storage: DurableObjectStorage;
  env: Env;
  sql: LazySchemaSql;
  meta: SessionMeta;
  store: TaskStore;
  tasks: SessionTasks;
  workspace: SessionWorkspace;
  runner: () => RunnerClient;
  log: Logger;
}

export class SessionLifecycle {
  readonly #deps: SessionLifecycleDeps;

  constructor(deps: SessionLifecycleDeps) {
    this.#deps = deps;
  }

  /**
   * Sets a new session up on `runner`. Without a repository: its working directory is resolved
   * there and it is ready at once. With one: the clone starts as the session's setup task and
   * the session is `preparing` until that task's end makes it ready (or failed, with why).
   */
  async setUp(request: InitRequest, runner: RunnerClient): Promise<void> {
    const { sql, meta, workspace, log } = this.#deps;
    const { userId, sessionId, agent, repository } = request;
    if (repository) {
      const storage = { create: () => sql.create(), drop: () => this.drop() };
      await workspace.setUp({ ...request, repository }, runner, storage);
      await this.watch();
      return;
    }
    const workingDirectory = await callRunner(log, () => runner.resolveWorkspace(request.workingDirectory));
    await callRunner(log, () => requireAgent(runner, agent, workingDirectory));
    sql.create();
    meta.write({ userId, sessionId, agent, workingDirectory, cloned: null, createdAt: Date.now() });
    await this.schedule();
  }

  /** Resumes streaming for every running task and keeps the alarm set for what comes next. */
  async watch(): Promise<void> {
    this.#deps.tasks.resume();
    await this.schedule();
  }

  async schedule(): Promise<void> {
    const { meta, store, storage } = this.#deps;
    const record = meta.read();
    if (!record) return;
    const config = settings(this.#deps.env);
    const at = nextAlarmAt({
      now: Date.now(),
      running: store.running().length > 0,
      oldestEnded: store.oldestEnded(),
      lastActive: record.lastActive,
      taskTtlMs: config.taskTtlMs,
      sessionIdleTtlMs: config.sessionIdleTtlMs,
    });
    const current = await storage.getAlarm();
    if (current === null || current > at || current < Date.now()) await storage.setAlarm(at);
  }

  /**
   * Watchdog, sweep and idle expiry, then the next alarm. An idle session ends itself through
   * `end` (the session's own end, so it answers as that does); its Account forgets it first so
   * no one can reach it meanwhile.
   */
  async alarm(end: () => Promise<unknown>): Promise<void> {
    const { meta: metaStore, store, log } = this.#deps;
    const meta = metaStore.read();
    if (!meta) return;
    const now = Date.now();
    const config = settings(this.#deps.env);
    const swept = store.sweep(now - config.taskTtlMs, now);
    store.forgetExpired(now - LIMITS.EXPIRED_TOMBSTONE_MS);
    if (swept > 0) log.info("tasks.swept", { session_id: meta.sessionId, count: swept });
    const idle = store.running().length === 0 && now - meta.lastActive > config.sessionIdleTtlMs;
    if (!idle) return this.watch();
    log.info("session.idle_expired", { session_id: meta.sessionId });
    await this.#account(meta).forgetSession(meta.sessionId);
    await end();
  }

  /**
   * Ends the session: cancels its running tasks, stops its kiro-cli (and container), and deletes
   * everything it stored.
   */
  async end(meta: SessionRecord): Promise<{ cancelled_tasks: number }> {
    const { env, log } = this.#deps;
    const cancelled = this.#deps.tasks.cancelAll();
    // A shared host runner only forgets this session; a session's own container goes away
    // whole (asking it first would start a stopped container just to stop it).
    const stop = settings(env).runnerUrl
      ? this.#deps.runner().endSession(meta.sessionId)
      : env.KIRO_CONTAINER.getByName(sessionObjectName(meta.userId, meta.sessionId)).destroy();
    await stop.catch((error: unknown) => log.warn("session.end_runner", { error: String(error) }));
    await this.#deps.storage.deleteAlarm();
    await this.drop();
    log.info("session.ended", { session_id: meta.sessionId, cancelled_tasks: cancelled });
    return { cancelled_tasks: cancelled };
  }

  /** Deletes everything stored: no tables, nothing written, late callers read "not found". */
  async drop(): Promise<void> {
    await this.#deps.storage.deleteAll();
    this.#deps.meta.reset();
    this.#deps.sql.forget();
  }

  /** Once per task: its end goes to the Account's count of running turns, then the next alarm is set. */
  turnEnded(taskId: string, end: TaskEnd): void {
    const { meta: metaStore, workspace, log } = this.#deps;
    const meta = metaStore.read();
    if (meta && taskId === meta.setupTaskId) {
      void workspace.setupEnded(meta, end).then(() => this.schedule());
      return;
    }
    if (meta) {
      // Lost only with this object's eviction: then the Account settles its count with activeTaskIds.
      this.#account(meta)
        .taskEnded(taskId)
        .catch((error: unknown) => log.warn("session.report_end", { task_id: taskId, error: String(error) }));
    }
    if (turnCompleted(end)) metaStore.update({ resumable: true });
    if (meta) workspace.workDone(meta);
    this.schedule().catch((error: unknown) => log.error("session.schedule", { error: String(error) }));
  }

  #account(meta: SessionRecord) {
    return this.#deps.env.ACCOUNT.getByName(accountObjectName(meta.userId));
  }
}
