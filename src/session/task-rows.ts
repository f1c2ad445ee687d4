/**
 * What a stored task is: its row, its chunks' rows, its states and how it ends. The vocabulary
 * the task store writes and everything that reads tasks (views, ingest, setup) shares, kept apart
 * from the SQL so a reader of tasks needs no store to name them.
 */
import type { ChunkKind } from "./chunks.ts";

/**
 * A task's state. `running` and `cancelling` (a cancel was asked for; the runner has not yet
 * reported the run's end) are active: output still arrives and is stored. The rest are terminal.
 */
export type TaskStatus = "running" | "cancelling" | "completed" | "failed" | "cancelled";

/** The SQL list of active states, for WHERE clauses. */
export const ACTIVE_SQL = "('running', 'cancelling')";

/** True while the task has not ended: it may still receive output. */
export function isActive(status: TaskStatus): boolean {
  return status === "running" || status === "cancelling";
}

export interface TaskRow {
  id: string;
  status: TaskStatus;
  preview: string;
  message_bytes: number;
  run_id: string;
  boot_id: string | null;
  last_seq: number;
  chunk_count: number;
  /** Bytes of Kiro's output stored (the truncation notice not counted). */
  total_bytes: number;
  /** 1 once the output reached the task's cap: nothing more is stored. */
  truncated: number;
  exit_code: number | null;
  reason: string | null;
  error: string | null;
  /** JSON TurnMetadata: Kiro's figures for the turn (ACP) so far, when it sent any. */
  metadata: string | null;
  /** The tool that started the task as an MCP Tasks extension task; null otherwise. */
  origin: string | null;
  /** `turn`: a Kiro turn; `setup`: the clone the session is set up by (not in the conversation). */
  kind: "turn" | "setup";
  created_at: number;
  ended_at: number | null;
}

export interface ChunkRow {
  idx: number;
  kind: ChunkKind;
  content: string;
  data: string | null;
  bytes: number;
  created_at: number;
}

export interface TaskEnd {
  status: Exclude<TaskStatus, "running">;
  reason: string;
  error?: string | undefined;
  exitCode?: number | null | undefined;
  /** Kiro finished the turn although the task did not get all its output: the conversation moved on. */
  turnCompleted?: boolean | undefined;
  /** The exit event's metadata as the runner sent it (a setup task's clone). */
  exitMetadata?: Record<string, unknown> | undefined;
}

/** Whether Kiro's conversation now holds the turn, so the session's next turn continues it. */
export function turnCompleted(end: TaskEnd): boolean {
  return end.status === "completed" || end.turnCompleted === true;
}
