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
  /** The branch the clone checked out (null: a tag's detached HEAD); absent in older records. */
  branch?: string | null;
}

/**
 * preparing: the session's repository is being cloned (its setup task); ready: it can take turns;
 * failed: it could not be set up (`failure` says why) and takes none.
 */
export type SessionState = "preparing" | "ready" | "failed";

/** Something the user must be told on the session's next task (and sees in kiro_session_list). */
export interface WorkspaceNotice {
  at: number;
  text: string;
  /** Not yet put on a task. */
  pending: boolean;
}

export interface SessionRecord {
  agent: string | null;
  /** Absolute, resolved by the runner (while preparing: the directory as asked for). */
  workingDirectory: string;
  userId: string;
  sessionId: string;
  createdAt: number;
  lastActive: number;
  /** The next turn continues kiro-cli's saved conversation (false after kiro_session_clear). */
  resumable: boolean;
  cloned: ClonedRepository | null;
  /** Absent in records written before sessions were set up in the background: ready. */
  state?: SessionState;
  /** The task the session's clone runs as. */
  setupTaskId?: string | null;
  /** The repository being cloned while preparing (without credentials). */
  source?: { url: string; ref: string | null } | null;
  /** Why the session could not be set up (state failed). */
  failure?: string | null;
  /** The last thing that happened to the workspace that the user must know (a rebuild, a lost snapshot). */
  notice?: WorkspaceNotice | null;
  /** The last container start this session took account of (KiroContainer's start count). */
  seenStart?: number | null;
  /** When the last work in the workspace ended (a turn, the clone): a snapshot older than it lacks some. */
  workAt?: number | null;
}

/** What SessionMeta.update may change: everything but who and when the session was made. */
export type SessionChange = Partial<Omit<SessionRecord, "userId" | "sessionId" | "createdAt">>;

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

  update(change: SessionChange): void {
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
