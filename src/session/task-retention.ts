/**
 * How long a session keeps its tasks: finished tasks are swept with their chunks and permission
 * prompts once KIRO_TASK_TTL has passed since they ended (run by the session's alarm), and a
 * tombstone per swept id lets a late lookup say "expired" instead of "not found" until the
 * tombstone itself is forgotten. Active tasks are never swept.
 */
import type { Sql } from "../storage/sql.ts";
import type { PermissionPromptStore } from "./permission-prompts.ts";
import { ACTIVE_SQL } from "./task-rows.ts";

/** Finished tasks swept per call: one transaction stays small; the alarm comes back for more. */
const SWEEP_BATCH = 500;

/**
 * Deletes finished tasks that ended before `cutoff`, with their chunks, and remembers their ids
 * so a later lookup can say "expired". Returns how many were swept.
 */
export function sweepEnded(sql: Sql, prompts: PermissionPromptStore, cutoff: number, now: number): number {
  return sql.transaction(() => {
    const ids = sql
      .all<{ id: string }>(
        `SELECT id FROM tasks WHERE status NOT IN ${ACTIVE_SQL} AND ended_at < ? LIMIT ${SWEEP_BATCH}`,
        cutoff,
      )
      .map((row) => row.id);
    for (const id of ids) {
      sql.run("DELETE FROM chunks WHERE task_id = ?", id);
      prompts.forget(id);
      sql.run("DELETE FROM tasks WHERE id = ?", id);
      sql.run("INSERT OR REPLACE INTO expired_tasks (id, expired_at) VALUES (?, ?)", id, now);
    }
    return ids.length;
  });
}

/** Forgets tombstones older than `cutoff`: after that an expired id reads as unknown. */
export function forgetExpired(sql: Sql, cutoff: number): void {
  sql.run("DELETE FROM expired_tasks WHERE expired_at < ?", cutoff);
}

export function isExpired(sql: Sql, id: string): boolean {
  return sql.one("SELECT 1 FROM expired_tasks WHERE id = ?", id) !== undefined;
}

/** When the oldest finished task ended (null when none is kept). */
export function oldestEnded(sql: Sql): number | null {
  return (
    sql.one<{ t: number | null }>(`SELECT MIN(ended_at) AS t FROM tasks WHERE status NOT IN ${ACTIVE_SQL}`)
      ?.t ?? null
  );
}
