import { DurableObject } from "cloudflare:workers";
import { countedEnv } from "../debug/request-counts.ts";
import { ErrorCode, KiroError, type Outcome, outcome, sessionNotFound, unwrap } from "../errors.ts";
import { isSessionId, newSessionId, newTaskId, sessionObjectName } from "../ids.ts";
import { masterKey } from "../secrets/keys.ts";
import { type SecretInfo, type SecretValues, UserSecrets } from "../secrets/store.ts";
import type { SessionSettings } from "../session/meta.ts";
import type { StartOptions } from "../session/tasks.ts";
import type { SessionInfo, TaskStarted } from "../session/views.ts";
import { settings } from "../settings.ts";
import { durableSql, migrate, type Sql } from "../storage/sql.ts";
import { type RunningTaskRow, RunningTasks } from "./running-tasks.ts";
import { ACCOUNT_SCHEMA } from "./schema.ts";

/** A reservation outlives any set-up (a clone times out after 5 min) only if the object died mid-way. */
const PENDING_SESSION_MS = 10 * 60_000;

export interface SessionRef {
  session_id: string;
  active: boolean;
}

/**
 * One per user: which Kiro sessions the user owns, which one is active, and which turns run (for
 * KIRO_MAX_RUNNING_TASKS). Every lookup of a session by id goes through here, so a session id is
 * only ever honoured for its owner; task calls go to the session object directly, whose name
 * holds the user id.
 */
export class Account extends DurableObject<Env> {
  readonly #sql: Sql;
  readonly #secrets: UserSecrets;
  readonly #running: RunningTasks;
  /**
   * Tasks whose start this instance is waiting on: the session may not have recorded them yet, so
   * `#settleRunning` leaves their rows alone. (Starts of an instance that died are not in here; the
   * session's own answer settles them.)
   */
  readonly #startsInFlight = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countedEnv(env));
    this.#sql = durableSql(ctx.storage);
    migrate(this.#sql, ACCOUNT_SCHEMA);
    this.#secrets = new UserSecrets(this.#sql, masterKey(env));
    this.#running = new RunningTasks(this.#sql);
  }

  /** Creates a session (its own session object and runner) and makes it the active one. */
  async createSession(userId: string, options: SessionSettings): Promise<Outcome<SessionInfo>> {
    return outcome(async () => {
      const sessionId = this.#reserveSession();
      let info: SessionInfo;
      try {
        info = unwrap(await this.#session(userId, sessionId).init({ userId, sessionId, ...options }));
      } finally {
        this.#sql.run("DELETE FROM pending_sessions WHERE id = ?", sessionId);
      }
      this.#sql.transaction(() => {
        this.#sql.run(
          "INSERT INTO sessions (id, agent, working_directory, created_at) VALUES (?, ?, ?, ?)",
          sessionId,
          options.agent,
          info.working_directory,
          Date.now(),
        );
        this.#setActive(sessionId);
      });
      return info;
    });
  }

  /**
   * The session a tool should act on: `sessionId` when given (and owned by this user), else the
   * active session, creating a default one in the workspace root on first use.
   */
  async resolveSession(userId: string, sessionId?: string): Promise<Outcome<string>> {
    return outcome(async () => {
      if (sessionId !== undefined) return this.#requireOwned(sessionId);
      const active = this.#activeId();
      if (active) return active;
      const created = unwrap(await this.createSession(userId, { agent: null, workingDirectory: "" }));
      return created.session_id;
    });
  }

  /**
   * Starts a turn in `sessionId` (or the active session), unless the user already has
   * KIRO_MAX_RUNNING_TASKS turns running across all sessions.
   */
  async startTask(
    userId: string,
    message: string,
    sessionId?: string,
    options: StartOptions = {},
  ): Promise<Outcome<TaskStarted>> {
    return outcome(async () => {
      const target = unwrap(await this.resolveSession(userId, sessionId));
      // Read before the turn is counted, so a failure here leaves no running row behind.
      const secrets = await this.#secrets.read(userId);
      const taskId = await this.#admit(userId, target);
      this.#startsInFlight.add(taskId);
      let started: Outcome<TaskStarted>;
      try {
        // A start whose answer is lost keeps its row: the session's own answer settles it later.
        started = await this.#session(userId, target).startTask(message, taskId, secrets, options);
      } finally {
        this.#startsInFlight.delete(taskId);
      }
      if (!started.ok) this.#running.remove(taskId);
      return unwrap(started);
    });
  }

  /** A session's report that one of its turns ended (at least once; again changes nothing). */
  async taskEnded(taskId: string): Promise<void> {
    this.#running.remove(taskId);
  }

  /** Makes `sessionId` the active session. */
  async switchSession(sessionId: string): Promise<Outcome<string>> {
    return outcome(() => {
      this.#setActive(this.#requireOwned(sessionId));
      return sessionId;
    });
  }

  /**
   * Ends a session: forgets it here first (so from now on it is "not found"), then has the
   * session object stop its work and delete its data.
   */
  async endSession(userId: string, sessionId: string): Promise<Outcome<{ cancelled_tasks: number }>> {
    return outcome(async () => {
      this.#requireOwned(sessionId);
      await this.forgetSession(sessionId);
      return unwrap(await this.#session(userId, sessionId).end());
    });
  }

  /** Drops a session from this account (ended, or expired by its own idle timer). */
  async forgetSession(sessionId: string): Promise<void> {
    this.#sql.transaction(() => {
      this.#sql.run("DELETE FROM sessions WHERE id = ?", sessionId);
      this.#running.removeSession(sessionId);
      if (this.#activeId() === sessionId) this.#sql.run("DELETE FROM settings WHERE key = 'active_session'");
    });
  }

  async listSessions(): Promise<SessionRef[]> {
    const active = this.#activeId();
    return this.#sql
      .all<{ id: string }>("SELECT id FROM sessions ORDER BY created_at")
      .map(({ id }) => ({ session_id: id, active: id === active }));
  }

  /** Stores (or replaces) one of the user's secrets, encrypted. */
  async putSecret(userId: string, name: string, value: string): Promise<Outcome<SecretInfo>> {
    return outcome(() => this.#secrets.put(userId, name, value));
  }

  /** The user's stored secrets: names and dates, never values. */
  async listSecrets(): Promise<SecretInfo[]> {
    return this.#secrets.list();
  }

  /** True when `name` was stored. */
  async deleteSecret(name: string): Promise<boolean> {
    return this.#secrets.delete(name);
  }

  /** The user's stored secrets, decrypted: only for the user's own sessions to hand to their runner. */
  async secretValues(userId: string): Promise<Outcome<SecretValues>> {
    return outcome(() => this.#secrets.read(userId));
  }

  /**
   * Admits a new turn in `sessionId` under KIRO_MAX_RUNNING_TASKS: mints its id and records it as
   * running. The count is this account's table; only when it reaches the limit are the sessions
   * that hold its rows asked which turns still run (a lost end report must not block the user).
   * Counting and recording happen with no await between them, so concurrent starts cannot pass the
   * limit together, and a start in flight is counted exactly once.
   */
  async #admit(userId: string, sessionId: string): Promise<string> {
    const { maxRunningTasks } = settings(this.env);
    if (this.#running.count() >= maxRunningTasks) await this.#settleRunning(userId);
    const running = this.#running.count();
    if (running >= maxRunningTasks) {
      throw new KiroError(
        ErrorCode.Busy,
        `You already have ${running} tasks running, the most allowed (KIRO_MAX_RUNNING_TASKS). Wait for one to finish or cancel one with kiro_task_cancel.`,
      );
    }
    const taskId = newTaskId(sessionId);
    this.#running.add(taskId, sessionId, Date.now());
    return taskId;
  }

  /** Drops rows of turns their session no longer runs; a session that cannot answer keeps its rows. */
  async #settleRunning(userId: string): Promise<void> {
    const candidates = this.#running.all().filter((row) => !this.#startsInFlight.has(row.task_id));
    const bySession = new Map<string, RunningTaskRow[]>();
    for (const row of candidates)
      bySession.set(row.session_id, [...(bySession.get(row.session_id) ?? []), row]);
    await Promise.all(
      [...bySession].map(async ([sessionId, rows]) => {
        const active = await this.#session(userId, sessionId)
          .activeTaskIds()
          .catch(() => undefined);
        if (active) this.#running.settle(sessionId, rows, new Set(active));
      }),
    );
  }

  #session(userId: string, sessionId: string) {
    return this.env.KIRO_SESSION.getByName(sessionObjectName(userId, sessionId));
  }

  /**
   * Mints a session id and holds its place while the session is set up. Counting and reserving
   * happen with no await between them, so concurrent creates cannot pass the limit together.
   */
  #reserveSession(): string {
    const now = Date.now();
    this.#sql.run("DELETE FROM pending_sessions WHERE started_at < ?", now - PENDING_SESSION_MS);
    const count =
      this.#sql.one<{ n: number }>(
        "SELECT (SELECT COUNT(*) FROM sessions) + (SELECT COUNT(*) FROM pending_sessions) AS n",
      )?.n ?? 0;
    const { maxSessions } = settings(this.env);
    if (count >= maxSessions) {
      throw new KiroError(
        ErrorCode.Busy,
        `You already have ${maxSessions} sessions, the most allowed (KIRO_MAX_SESSIONS). End one with kiro_session_end first.`,
      );
    }
    const sessionId = newSessionId();
    this.#sql.run("INSERT INTO pending_sessions (id, started_at) VALUES (?, ?)", sessionId, now);
    return sessionId;
  }

  #requireOwned(sessionId: string): string {
    if (!this.#owned(sessionId)) throw sessionNotFound(sessionId);
    return sessionId;
  }

  #owned(sessionId: string): boolean {
    if (!isSessionId(sessionId)) return false;
    return this.#sql.one("SELECT 1 FROM sessions WHERE id = ?", sessionId) !== undefined;
  }

  #activeId(): string | undefined {
    return this.#sql.one<{ value: string }>("SELECT value FROM settings WHERE key = 'active_session'")?.value;
  }

  #setActive(sessionId: string): void {
    this.#sql.run(
      "INSERT INTO settings (key, value) VALUES ('active_session', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      sessionId,
    );
  }
}
