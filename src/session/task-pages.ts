/**
 * Reading a task's stored output by the page: chunks from a cursor, the newest few, and the
 * answer's text (or one stretch of it). Each read walks rows one by one and stops at its page's
 * end, so a page costs its own size however much output the task holds. Over the session's SQL
 * only: reads change nothing, the writes are TaskStore's.
 */
import { truncateUtf8, utf8Bytes } from "../../container/src/protocol/index.ts";
import type { Sql } from "../storage/sql.ts";
import type { ChunkRow } from "./task-rows.ts";

/** Chunks from `fromIdx` on, at most `maxCount` and about `maxBytes` (never fewer than one). */
export function readChunks(
  sql: Sql,
  id: string,
  fromIdx: number,
  maxBytes: number,
  maxCount: number,
): ChunkRow[] {
  const rows = sql.iterate<ChunkRow>(
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
export function recentChunks(
  sql: Sql,
  id: string,
  count: number,
): Pick<ChunkRow, "kind" | "content" | "created_at">[] {
  return sql.all(
    "SELECT kind, content, created_at FROM chunks WHERE task_id = ? ORDER BY idx DESC LIMIT ?",
    id,
    count,
  );
}

/**
 * The answer: all `text` chunks in order (or those of chunks `fromIdx` to `toIdx`, one stretch
 * of it), cut at `maxBytes`; only the rows before the cut are read.
 */
export function answerText(
  sql: Sql,
  id: string,
  maxBytes: number,
  fromIdx: number,
  toIdx: number,
): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let bytes = 0;
  let truncated = false;
  const rows = sql.iterate<{ content: string; bytes: number }>(
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
