import {
  mergeTurnMetadata,
  type TurnMetadata,
  truncateUtf8,
  turnMetadataOf,
  utf8Bytes,
} from "../../container/src/protocol/index.ts";
import type { Sql } from "../storage/sql.ts";
import { type ChunkKind, capChunks, type NewChunk } from "./chunks.ts";
import { PermissionPromptStore } from "./permission-prompts.ts";

/**
 * A task's state. `running` and `cancelling` (a cancel was asked for; the runner has not yet
 * reported the run's end) are active: output still arrives and is stored. The rest are terminal.
 */
export type TaskStatus = "running" | "cancelling" | "completed" | "failed" | "cancelled";

/** The SQL list of active states, for WHERE clauses. */
const ACTIVE_SQL = "('running', 'cancelling')";

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

const PREVIEW_CHARS = 200;

/** Tasks, their chunks and the conversation, over the session object's SQLite. */
export class TaskStore {
  readonly #sql: Sql;
  /** Kiro's permission requests waiting for a client, recorded as their chunks are stored. */
  readonly prompts: PermissionPromptStore;

  constructor(sql: Sql) {
    this.#sql = sql;
    this.prompts = new PermissionPromptStore(sql);
  }

  create(id: string, message: string, now: number, origin: string | null = null): void {
    this.#sql.transaction(() => {
      this.#sql.run(
        `INSERT INTO tasks (id, status, preview, message_bytes, run_id, origin, created_at)
         VALUES (?, 'running', ?, ?, ?, ?, ?)`,
        id,
        message.slice(0, PREVIEW_CHARS),
        utf8Bytes(message),
        id,
        origin,
        now,
      );
      this.#sql.run(
        "INSERT INTO conversation (task_id, role, content, created_at) VALUES (?, 'user', ?, ?)",
        id,
        message,
        now,
      );
    });
  }

  /** A setup task (the session's clone): a task like a turn's, outside the conversation. */
  createSetup(id: string, label: string, now: number): void {
    this.#sql.run(
      `INSERT INTO tasks (id, status, preview, message_bytes, run_id, kind, created_at)
       VALUES (?, 'running', ?, 0, ?, 'setup', ?)`,
      id,
      label.slice(0, PREVIEW_CHARS),
      id,
      now,
    );
  }

  /**
   * Adds a `notice` chunk of the session's own to an active task (something the user must know
   * before its output: a workspace rebuilt without its snapshot). The runner's events follow it.
   */
  notice(id: string, text: string, now: number): void {
    this.#sql.transaction(() => {
      const task = this.get(id);
      if (task === undefined || !isActive(task.status)) return;
      const bytes = utf8Bytes(text);
      this.#sql.run(
        "INSERT INTO chunks (task_id, idx, kind, content, data, bytes, created_at) VALUES (?, ?, 'notice', ?, NULL, ?, ?)",
        id,
        task.chunk_count,
        text,
        bytes,
        now,
      );
      this.#sql.run("UPDATE tasks SET chunk_count = chunk_count + 1 WHERE id = ?", id);
    });
  }

  /** Removes a task that never started, as if it had not been asked for. */
  discard(id: string): void {
    this.#sql.transaction(() => {
      this.#sql.run("DELETE FROM conversation WHERE task_id = ?", id);
      this.#sql.run("DELETE FROM tasks WHERE id = ?", id);
    });
  }

  /** Records that a cancel was asked for; true when the task was running. */
  markCancelling(id: string): boolean {
    this.#sql.run("UPDATE tasks SET status = 'cancelling' WHERE id = ? AND status = 'running'", id);
    return this.get(id)?.status === "cancelling";
  }

  setBootId(id: string, bootId: string): void {
    this.#sql.run("UPDATE tasks SET boot_id = ? WHERE id = ?", bootId, id);
  }

  get(id: string): TaskRow | undefined {
    return this.#sql.one<TaskRow>("SELECT * FROM tasks WHERE id = ?", id);
  }

  list(includeDone: boolean, limit: number): TaskRow[] {
    const where = includeDone ? "" : `WHERE status IN ${ACTIVE_SQL}`;
    return this.#sql.all<TaskRow>(`SELECT * FROM tasks ${where} ORDER BY created_at DESC LIMIT ?`, limit);
  }

  /** Tasks that have not ended (running or cancelling), oldest first. */
  running(): TaskRow[] {
    return this.#sql.all<TaskRow>(`SELECT * FROM tasks WHERE status IN ${ACTIVE_SQL} ORDER BY created_at`);
  }

  /**
   * Appends chunks and records the last runner event they came from, in one transaction: a
   * resumed stream starts after `lastSeq`, so nothing is stored twice or skipped. Past the cap
   * only `lastSeq` moves on. `metadata` (Kiro's figures the batch carried) is merged into the
   * task's.
   */
  append(
    id: string,
    batch: readonly NewChunk[],
    lastSeq: number,
    capBytes: number,
    metadata?: TurnMetadata,
  ): void {
    this.#sql.transaction(() => {
      const task = this.get(id);
      if (task === undefined || !isActive(task.status) || lastSeq <= task.last_seq) return;
      const { kept, notice } = task.truncated
        ? { kept: [], notice: undefined }
        : capChunks(batch, task.total_bytes, capBytes);
      let idx = task.chunk_count;
      for (const chunk of notice === undefined ? kept : [...kept, notice])
        this.#insertChunk(id, idx++, chunk);
      this.prompts.record(id, kept, Date.now());
      // The notice is the server's, not Kiro's output: it does not count as bytes received.
      const bytes = kept.reduce((sum, chunk) => sum + chunk.bytes, 0);
      this.#sql.run(
        "UPDATE tasks SET last_seq = ?, chunk_count = ?, total_bytes = total_bytes + ?, truncated = ? WHERE id = ?",
        lastSeq,
        idx,
        bytes,
        task.truncated || notice !== undefined ? 1 : 0,
        id,
      );
      if (metadata !== undefined) this.#mergeMetadata(task, metadata);
    });
  }

  #insertChunk(id: string, idx: number, chunk: NewChunk): void {
    this.#sql.run(
      "INSERT INTO chunks (task_id, idx, kind, content, data, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      idx,
      chunk.kind,
      chunk.content,
      chunk.data,
      chunk.bytes,
      chunk.createdAt,
    );
  }

  #mergeMetadata(task: TaskRow, metadata: TurnMetadata): void {
    const merged = mergeTurnMetadata(this.metadata(task), metadata);
    this.#sql.run("UPDATE tasks SET metadata = ? WHERE id = ?", JSON.stringify(merged), task.id);
  }

  /** Kiro's figures for the task's turn, as stored. */
  metadata(task: TaskRow): TurnMetadata | undefined {
    return task.metadata === null ? undefined : turnMetadataOf(JSON.parse(task.metadata));
  }

  /** Moves an active task to its terminal state once; later calls change nothing. */
  finish(id: string, end: TaskEnd, now: number, maxResultBytes: number): boolean {
    return this.#sql.transaction(() => {
      const task = this.get(id);
      if (task === undefined || !isActive(task.status)) return false;
      this.#sql.run(
        "UPDATE tasks SET status = ?, reason = ?, error = ?, exit_code = ?, ended_at = ? WHERE id = ?",
        end.status,
        end.reason,
        end.error ?? null,
        end.exitCode ?? null,
        now,
        id,
      );
      if (end.status === "completed" && task.kind === "turn") {
        const answer = this.result(id, maxResultBytes).text;
        this.#sql.run(
          "INSERT INTO conversation (task_id, role, content, created_at) VALUES (?, 'assistant', ?, ?)",
          id,
          answer,
          now,
        );
      }
      return true;
    });
  }

  /**
   * Chunks from `fromIdx` on, at most `maxCount` and about `maxBytes` (never fewer than one). Rows
   * are read one by one and reading stops at the page's end, so a page costs its own size however
   * much output follows it.
   */
  readChunks(id: string, fromIdx: number, maxBytes: number, maxCount: number): ChunkRow[] {
    const rows = this.#sql.iterate<ChunkRow>(
      "SELECT idx, kind, content, data, bytes, created_at FROM chunks WHERE task_id = ? AND idx >= ? ORDER BY idx LIMIT ?",
      id,
      fromIdx,
      maxCount,
    );
    const out: ChunkRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (out.length > 0 && bytes + row.bytes > maxBytes) break;
      out.push(row);
      bytes += row.bytes;
    }
    return out;
  }

  /** The newest `count` chunks, newest first (what a task is doing now). */
  recentChunks(id: string, count: number): Pick<ChunkRow, "kind" | "content" | "created_at">[] {
    return this.#sql.all(
      "SELECT kind, content, created_at FROM chunks WHERE task_id = ? ORDER BY idx DESC LIMIT ?",
      id,
      count,
    );
  }

  /**
   * The answer: all `text` chunks in order (or those of chunks `fromIdx` to `toIdx`, one stretch
   * of it), cut at `maxBytes`; only the rows before the cut are read.
   */
  result(
    id: string,
    maxBytes: number,
    fromIdx = 0,
    toIdx = Number.MAX_SAFE_INTEGER,
  ): { text: string; truncated: boolean } {
    const parts: string[] = [];
    let bytes = 0;
    let truncated = false;
    const rows = this.#sql.iterate<{ content: string; bytes: number }>(
      "SELECT content, bytes FROM chunks WHERE task_id = ? AND kind = 'text' AND idx BETWEEN ? AND ? ORDER BY idx",
      id,
      fromIdx,
      toIdx,
    );
    for (const row of rows) {
      if (bytes + row.bytes > maxBytes) {
        // splitUtf8 keeps a whole first character even where none fits: only a head that fits.
        const head = truncateUtf8(row.content, maxBytes - bytes).text;
        if (utf8Bytes(head) <= maxBytes - bytes) parts.push(head);
        truncated = true;
        break;
      }
      parts.push(row.content);
      bytes += row.bytes;
    }
    return { text: parts.join(""), truncated };
  }

  /**
   * Deletes finished tasks that ended before `cutoff`, with their chunks, and remembers their ids
   * so a later lookup can say "expired". Returns how many were swept.
   */
  sweep(cutoff: number, now: number): number {
    return this.#sql.transaction(() => {
      const ids = this.#sql
        .all<{ id: string }>(
          `SELECT id FROM tasks WHERE status NOT IN ${ACTIVE_SQL} AND ended_at < ? LIMIT 500`,
          cutoff,
        )
        .map((row) => row.id);
      for (const id of ids) {
        this.#sql.run("DELETE FROM chunks WHERE task_id = ?", id);
        this.prompts.forget(id);
        this.#sql.run("DELETE FROM tasks WHERE id = ?", id);
        this.#sql.run("INSERT OR REPLACE INTO expired_tasks (id, expired_at) VALUES (?, ?)", id, now);
      }
      return ids.length;
    });
  }

  /** Forgets tombstones older than `cutoff`: after that an expired id reads as unknown. */
  forgetExpired(cutoff: number): void {
    this.#sql.run("DELETE FROM expired_tasks WHERE expired_at < ?", cutoff);
  }

  isExpired(id: string): boolean {
    return this.#sql.one("SELECT 1 FROM expired_tasks WHERE id = ?", id) !== undefined;
  }

  /** When the oldest finished task ended (null when none is kept). */
  oldestEnded(): number | null {
    return (
      this.#sql.one<{ t: number | null }>(
        `SELECT MIN(ended_at) AS t FROM tasks WHERE status NOT IN ${ACTIVE_SQL}`,
      )?.t ?? null
    );
  }
}
