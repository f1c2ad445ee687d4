import { DurableObject } from "cloudflare:workers";
import { ErrorCode, KiroError, type Outcome, outcome, sessionNotFound, unwrap } from "../errors.ts";
import { isSessionId, newSessionId, sessionObjectName } from "../ids.ts";
import { masterKey } from "../secrets/keys.ts";
import { type SecretInfo, type SecretValues, UserSecrets } from "../secrets/store.ts";
import type { SessionSettings } from "../session/meta.ts";
import type { StartOptions } from "../session/tasks.ts";
import type { SessionInfo, TaskStarted } from "../session/views.ts";
import { settings } from "../settings.ts";
import { durableSql, migrate, type Sql } from "../storage/sql.ts";
import { ACCOUNT_SCHEMA } from "./schema.ts";

/** A reservation outlives any set-up (a clone times out after 5 min) only if the object died mid-way. */
const PENDING_SESSION_MS = 10 * 60_000;

export interface SessionRef {
  session_id: string;
  active: boolean;
}

/**
 * One per user: which Kiro sessions the user owns and which one is active. Every lookup of a
 * session by id goes through here, so a session id is only ever honoured for its owner.
 */
export class Account extends DurableObject<Env> {
  readonly #sql: Sql;
  readonly #secrets: UserSecrets;
  /**
   * Starts in flight right now: counted with the running tasks so that concurrent starts cannot
   * pass the limit together. Only admission control for requests this instance is serving.
   */
  #starting = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = durableSql(ctx.storage);
    migrate(this.#sql, ACCOUNT_SCHEMA);
    this.#secrets = new UserSecrets(this.#sql, masterKey(env));
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
      const { maxRunningTasks } = settings(this.env);
      const running = (await this.#runningTasks(userId)) + this.#starting;
      if (running >= maxRunningTasks) {
        throw new KiroError(
          ErrorCode.Busy,
          `You already have ${running} tasks running, the most allowed (KIRO_MAX_RUNNING_TASKS). Wait for one to finish or cancel one with kiro_task_cancel.`,
        );
      }
      this.#starting++;
      try {
        return unwrap(await this.#session(userId, target).startTask(message, options));
      } finally {
        this.#starting--;
      }
    });
  }

  /** Whether this user owns `sessionId`; the same answer for foreign and nonexistent ids. */
  async owns(sessionId: string): Promise<boolean> {
    return this.#owned(sessionId);
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

  async #runningTasks(userId: string): Promise<number> {
    const ids = this.#sql.all<{ id: string }>("SELECT id FROM sessions").map((row) => row.id);
    const infos = await Promise.all(ids.map((id) => this.#session(userId, id).info()));
    return infos.reduce((sum, info) => sum + (info.ok ? info.value.running_tasks : 0), 0);
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
