import { DurableObject } from "cloudflare:workers";
import { durableSql, migrate, type Sql } from "../storage/sql.ts";

/** How often a token's `last_used_at` is refreshed: a timestamp, not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const SCHEMA: readonly string[] = [
  `CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     label TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER,
     revoked_at INTEGER
   )`,
  // auth_mode: "tokens" from the first token on; "local" only when the operator sets it again.
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `INSERT INTO settings (key, value) SELECT 'auth_mode', 'tokens' WHERE EXISTS (SELECT 1 FROM tokens)`,
];

/**
 * How requests without a token are treated: `local` (served as the local user, on loopback
 * only) until the first token is created; `tokens` (refused) from then on, also once every token
 * is revoked, until the operator turns local mode back on (`npm run token -- local-mode on`).
 */
export type AuthMode = "local" | "tokens";

export interface TokenRecord {
  id: string;
  user_id: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/**
 * The deployment's bearer tokens, one object for the whole Worker. It stores only SHA-256 hashes:
 * the token itself is shown once, by `npm run token -- create`, and never stored anywhere.
 */
export class TokenRegistry extends DurableObject<Env> {
  readonly #sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = durableSql(ctx.storage);
    migrate(this.#sql, SCHEMA);
  }

  async add(record: { id: string; userId: string; hash: string; label: string }): Promise<void> {
    this.#sql.transaction(() => {
      this.#sql.run(
        "INSERT INTO tokens (id, user_id, hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
        record.id,
        record.userId,
        record.hash,
        record.label,
        Date.now(),
      );
      this.#setMode("tokens");
    });
  }

  async authMode(): Promise<AuthMode> {
    const row = this.#sql.one<{ value: string }>("SELECT value FROM settings WHERE key = 'auth_mode'");
    return row?.value === "tokens" ? "tokens" : "local";
  }

  /**
   * Turns local mode on (only while no token is live: false otherwise) or off (tokens required
   * even before the first one exists). True when the mode is now as asked.
   */
  async setLocalMode(enabled: boolean): Promise<boolean> {
    if (enabled && (await this.activeCount()) > 0) return false;
    this.#setMode(enabled ? "local" : "tokens");
    return true;
  }

  #setMode(mode: AuthMode): void {
    this.#sql.run(
      "INSERT INTO settings (key, value) VALUES ('auth_mode', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      mode,
    );
  }

  /** The user a live token hash belongs to, or null. */
  async verify(hash: string): Promise<{ userId: string; tokenId: string } | null> {
    const row = this.#sql.one<{ id: string; user_id: string; last_used_at: number | null }>(
      "SELECT id, user_id, last_used_at FROM tokens WHERE hash = ? AND revoked_at IS NULL",
      hash,
    );
    if (!row) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
      this.#sql.run("UPDATE tokens SET last_used_at = ? WHERE id = ?", now, row.id);
    }
    return { userId: row.user_id, tokenId: row.id };
  }

  /** The user of token `id` while it is live (not revoked), else null. */
  async liveUser(id: string): Promise<string | null> {
    return (
      this.#sql.one<{ user_id: string }>("SELECT user_id FROM tokens WHERE id = ? AND revoked_at IS NULL", id)
        ?.user_id ?? null
    );
  }

  /** Revokes a token; true if it was live. Takes effect on the next request. */
  async revoke(id: string): Promise<boolean> {
    return (
      this.#sql.run("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", Date.now(), id) >
      0
    );
  }

  async list(): Promise<TokenRecord[]> {
    return this.#sql.all<TokenRecord>(
      "SELECT id, user_id, label, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at",
    );
  }

  /** Live tokens. */
  async activeCount(): Promise<number> {
    return this.#sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM tokens WHERE revoked_at IS NULL")?.n ?? 0;
  }
}
