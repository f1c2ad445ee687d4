/**
 * The session's one handle on its tasks tables: every write (a task created, its chunks appended
 * under the output cap with the runner's last event in the same transaction, its end recorded
 * once, the conversation row that goes with it) and the lookups of task rows. Reading output by
 * the page is task-pages.ts's job and keeping tasks for their TTL task-retention.ts's; the store
 * hands those on, so callers hold one object over the session's SQL.
 */
import {
  mergeTurnMetadata,
  type TurnMetadata,
  turnMetadataOf,
  utf8Bytes,
} from "../../container/src/protocol/index.ts";
import type { Sql } from "../storage/sql.ts";
import { capChunks, type NewChunk } from "./chunks.ts";
import { PermissionPromptStore } from "./permission-prompts.ts";
import { answerText, readChunks, recentChunks } from "./task-pages.ts";
import { forgetExpired, isExpired, oldestEnded, sweepEnded } from "./task-retention.ts";
import { ACTIVE_SQL, type ChunkRow, isActive, type TaskEnd, type TaskRow } from "./task-rows.ts";

const PREVIEW_CHARS = 200;
/**
 * Answers of ended tasks kept in memory: a client that polls a finished task (or reconnects to it)
 * gets the answer with every last page, and it never changes once the task has ended.
 */
const REMEMBERED_ANSWERS = 4;

/** The memo key of a task's whole answer cut at `maxBytes`. */
function answerKey(taskId: string, maxBytes: number): string {
  return `${taskId} ${maxBytes}`;
}

export interface Answer {
  text: string;
  truncated: boolean;
}

/** Tasks, their chunks and the conversation, over the session object's SQLite. */
export class TaskStore {
  readonly #sql: Sql;
  /** Kiro's permission requests waiting for a client, recorded as their chunks are stored. */
  readonly prompts: PermissionPromptStore;
  /** Final answers of ended tasks by "id max-bytes", least recently used first. */
  readonly #answers = new Map<string, Answer>();

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

  /**
   * Moves an active task to its terminal state once; later calls change nothing. A completed
   * turn's answer, read here for the conversation, is also remembered for the polls that follow.
   */
  finish(id: string, end: TaskEnd, now: number, maxResultBytes: number): boolean {
    let answer: Answer | undefined;
    const finished = this.#sql.transaction(() => {
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
        answer = this.result(id, maxResultBytes);
        this.#sql.run(
          "INSERT INTO conversation (task_id, role, content, created_at) VALUES (?, 'assistant', ?, ?)",
          id,
          answer.text,
          now,
        );
      }
      return true;
    });
    // Only once committed: a transaction that threw stored nothing to remember.
    if (finished && answer) this.#remember(answerKey(id, maxResultBytes), answer);
    return finished;
  }

  /** Chunks from `fromIdx` on, at most `maxCount` and about `maxBytes` (never fewer than one). */
  readChunks(id: string, fromIdx: number, maxBytes: number, maxCount: number): ChunkRow[] {
    return readChunks(this.#sql, id, fromIdx, maxBytes, maxCount);
  }

  /** The newest `count` chunks, newest first (what a task is doing now). */
  recentChunks(id: string, count: number): Pick<ChunkRow, "kind" | "content" | "created_at">[] {
    return recentChunks(this.#sql, id, count);
  }

  /** The answer's text (or that of chunks `fromIdx` to `toIdx`), cut at `maxBytes`. */
  result(id: string, maxBytes: number, fromIdx = 0, toIdx = Number.MAX_SAFE_INTEGER): Answer {
    return answerText(this.#sql, id, maxBytes, fromIdx, toIdx);
  }

  /**
   * The whole answer of `task`, cut at `maxBytes`; read once for an ended task (its chunks never
   * change again), every time for an active one.
   */
  answer(task: TaskRow, maxBytes: number): Answer {
    if (isActive(task.status)) return this.result(task.id, maxBytes);
    const key = answerKey(task.id, maxBytes);
    return this.#remember(key, this.#answers.get(key) ?? this.result(task.id, maxBytes));
  }

  /** Keeps `answer` as the most recently used, dropping the least recently used past the limit. */
  #remember(key: string, answer: Answer): Answer {
    this.#answers.delete(key);
    this.#answers.set(key, answer);
    if (this.#answers.size > REMEMBERED_ANSWERS)
      this.#answers.delete(this.#answers.keys().next().value as string);
    return answer;
  }

  /** Deletes finished tasks that ended before `cutoff` (see task-retention.ts); how many. */
  sweep(cutoff: number, now: number): number {
    return sweepEnded(this.#sql, this.prompts, cutoff, now);
  }

  /** Forgets tombstones older than `cutoff`: after that an expired id reads as unknown. */
  forgetExpired(cutoff: number): void {
    forgetExpired(this.#sql, cutoff);
  }

  isExpired(id: string): boolean {
    return isExpired(this.#sql, id);
  }

  /** When the oldest finished task ended (null when none is kept). */
  oldestEnded(): number | null {
    return oldestEnded(this.#sql);
  }
}
