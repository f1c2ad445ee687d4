import type { Sql } from "../storage/sql.ts";

/** One recorded message: the user's, or Kiro's answer to it. */
export interface HistoryEntry {
  task_id: string;
  role: "user" | "assistant";
  content: string;
  created_at: number;
}

/** The conversation we recorded: each user message, and Kiro's answer when the turn completed. */
export class History {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The newest `limit` turns, oldest first. */
  recent(limit: number): HistoryEntry[] {
    return this.#sql
      .all<HistoryEntry>(
        "SELECT task_id, role, content, created_at FROM conversation ORDER BY id DESC LIMIT ?",
        limit,
      )
      .reverse();
  }

  /** The message that started task `taskId`, while the record holds it. */
  message(taskId: string): string | undefined {
    return this.#sql.one<{ content: string }>(
      "SELECT content FROM conversation WHERE task_id = ? AND role = 'user'",
      taskId,
    )?.content;
  }

  count(): number {
    return this.#sql.one<{ n: number }>("SELECT COUNT(*) AS n FROM conversation")?.n ?? 0;
  }

  /** Forgets the record; returns how many turns it held. Kiro's own memory is kiro_session_clear. */
  clear(): number {
    return this.#sql.run("DELETE FROM conversation");
  }
}

/** The conversation as Markdown, for kiro_session_save. */
export function historyMarkdown(sessionId: string, turns: readonly HistoryEntry[]): string {
  const lines = [`# Kiro conversation ${sessionId}`, ""];
  for (const turn of turns) {
    const who = turn.role === "user" ? "User" : "Kiro";
    lines.push(`## ${who} — ${new Date(turn.created_at).toISOString()}`, "", turn.content, "");
  }
  return lines.join("\n");
}
