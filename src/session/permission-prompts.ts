/**
 * Kiro's permission requests that wait for a task-aware client (KIRO_TRUST=ask), kept in the
 * session object. They are recorded from the run's `permission` events as those are stored (an
 * `asked` event adds one, the decision with the same key settles it: protocol/permissions.ts), and
 * marked answered the moment a client's answer goes to the runner, so tasks/get stops offering a
 * request at once instead of when the runner's decision event arrives.
 */
import type { PermissionData, PermissionRequest } from "../../container/src/protocol/index.ts";
import type { Sql } from "../storage/sql.ts";
import type { NewChunk } from "./chunks.ts";

/** A request a client can answer now. */
export interface WaitingPrompt {
  key: string;
  request: PermissionRequest;
}

type PromptState = "waiting" | "answered" | "settled";

export class PermissionPromptStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Records what stored chunks say about permission requests (call it in their transaction). */
  record(taskId: string, chunks: readonly NewChunk[], now: number): void {
    for (const chunk of chunks) {
      const data = chunk.kind === "permission" ? promptData(chunk.data) : undefined;
      if (data?.key === undefined) continue;
      if (data.decision === "asked") {
        this.#sql.run(
          "INSERT OR IGNORE INTO permission_prompts (task_id, key, request, state, created_at) VALUES (?, ?, ?, 'waiting', ?)",
          taskId,
          data.key,
          JSON.stringify(data.request),
          now,
        );
      } else {
        this.#setState(taskId, data.key, "settled");
      }
    }
  }

  /** The requests of `taskId` still waiting for an answer, oldest first. */
  waiting(taskId: string): WaitingPrompt[] {
    return this.#sql
      .all<{ key: string; request: string }>(
        "SELECT key, request FROM permission_prompts WHERE task_id = ? AND state = 'waiting' ORDER BY created_at, key",
        taskId,
      )
      .map((row) => ({ key: row.key, request: JSON.parse(row.request) as PermissionRequest }));
  }

  /** Takes the waiting request `key` for an answer; undefined when it is not waiting. */
  take(taskId: string, key: string): WaitingPrompt | undefined {
    const prompt = this.waiting(taskId).find((candidate) => candidate.key === key);
    if (prompt !== undefined) this.#setState(taskId, key, "answered");
    return prompt;
  }

  /** Puts back a request whose answer could not be delivered, so the client can answer again. */
  putBack(taskId: string, key: string): void {
    this.#sql.run(
      "UPDATE permission_prompts SET state = 'waiting' WHERE task_id = ? AND key = ? AND state = 'answered'",
      taskId,
      key,
    );
  }

  forget(taskId: string): void {
    this.#sql.run("DELETE FROM permission_prompts WHERE task_id = ?", taskId);
  }

  #setState(taskId: string, key: string, state: PromptState): void {
    this.#sql.run(
      "UPDATE permission_prompts SET state = ? WHERE task_id = ? AND key = ?",
      state,
      taskId,
      key,
    );
  }
}

/** A permission chunk's data when it names a request by key (a summarized payload does not). */
function promptData(json: string | null): PermissionData | undefined {
  if (json === null) return undefined;
  const data = JSON.parse(json) as Partial<PermissionData>;
  const wellFormed =
    typeof data.key === "string" &&
    typeof data.decision === "string" &&
    Array.isArray(data.request?.options) &&
    typeof data.request?.toolCall === "object";
  return wellFormed ? (data as PermissionData) : undefined;
}
