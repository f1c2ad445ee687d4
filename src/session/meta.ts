import type { Sql } from "../storage/sql.ts";

/** What a session is set up with. */
export interface SessionSettings {
  agent: string | null;
  /** As given at creation; the stored value is the runner's resolved absolute path. */
  workingDirectory: string;
  /** A git repository to clone into the working directory when the session starts. */
  repository?: { url: string; ref?: string | undefined } | null | undefined;
}

/** The repository a session was started from, as recorded (never with credentials). */
export interface ClonedRepository {
  url: string;
  ref: string | null;
  commit: string;
}

export interface SessionRecord {
  agent: string | null;
  /** Absolute, resolved by the runner. */
  workingDirectory: string;
  userId: string;
  sessionId: string;
  createdAt: number;
  lastActive: number;
  /** The next turn continues kiro-cli's saved conversation (false after kiro_session_clear). */
  resumable: boolean;
  cloned: ClonedRepository | null;
}

const KEY = "session";

/** The session's own record, one JSON row in `meta`. */
export class SessionMeta {
  readonly #sql: Sql;
  #cached: SessionRecord | undefined;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  read(): SessionRecord | undefined {
    if (this.#cached) return this.#cached;
    const row = this.#sql.one<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY);
    this.#cached = row ? (JSON.parse(row.value) as SessionRecord) : undefined;
    return this.#cached;
  }

  write(record: Omit<SessionRecord, "lastActive" | "resumable">): void {
    this.#save({ ...record, lastActive: record.createdAt, resumable: false });
  }

  update(change: Partial<Pick<SessionRecord, "lastActive" | "resumable">>): void {
    const record = this.read();
    if (record) this.#save({ ...record, ...change });
  }

  /** Forgets the cached record (after the storage under it was deleted). */
  reset(): void {
    this.#cached = undefined;
  }

  #save(record: SessionRecord): void {
    this.#sql.run(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      KEY,
      JSON.stringify(record),
    );
    this.#cached = record;
  }
}
