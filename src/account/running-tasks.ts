import type { Sql } from "../storage/sql.ts";

export interface RunningTaskRow {
  task_id: string;
  session_id: string;
  started_at: number;
}

/**
 * The user's running turns, as the Account counts them for KIRO_MAX_RUNNING_TASKS: one row per
 * turn, written by the Account before it asks the session to start the turn and deleted when the
 * session reports the turn's end (or the start failed, or the session ended). So a turn that runs
 * always has its row; a row whose end report was lost (the session was evicted, the report failed)
 * stays until `settle` drops it, which the Account does when the count reaches the limit.
 */
export class RunningTasks {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  count(): number {
    return this.#sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM running_tasks")?.n ?? 0;
  }

  all(): RunningTaskRow[] {
    return this.#sql.all<RunningTaskRow>("SELECT task_id, session_id, started_at FROM running_tasks");
  }

  add(taskId: string, sessionId: string, now: number): void {
    this.#sql.run(
      "INSERT INTO running_tasks (task_id, session_id, started_at) VALUES (?, ?, ?)",
      taskId,
      sessionId,
      now,
    );
  }

  /** The turn ended (or never started). Idempotent: an end reported twice changes nothing more. */
  remove(taskId: string): void {
    this.#sql.run("DELETE FROM running_tasks WHERE task_id = ?", taskId);
  }

  removeSession(sessionId: string): void {
    this.#sql.run("DELETE FROM running_tasks WHERE session_id = ?", sessionId);
  }

  /**
   * Drops the `candidates` of `sessionId` that the session says are not active (`active`: its
   * running turns, read after the candidates were chosen). Returns how many were dropped.
   */
  settle(sessionId: string, candidates: readonly RunningTaskRow[], active: ReadonlySet<string>): number {
    let dropped = 0;
    for (const row of candidates) {
      if (row.session_id !== sessionId || active.has(row.task_id)) continue;
      this.remove(row.task_id);
      dropped++;
    }
    return dropped;
  }
}
