/** The session object's answers built from its stored rows (the shapes are in views.ts). */
import { turnMetadataOf } from "../../container/src/protocol/index.ts";
import { LIMITS } from "../config.ts";
import type { SessionRecord } from "./meta.ts";
import { isActive, type TaskRow } from "./task-rows.ts";
import type { TaskStore } from "./task-store.ts";
import { iso, type SessionInfo, type TaskStatusView, type TaskSummary } from "./views.ts";

export function sessionInfoView(meta: SessionRecord, runningTasks: number): SessionInfo {
  return {
    session_id: meta.sessionId,
    agent: meta.agent,
    working_directory: meta.workingDirectory,
    created_at: iso(meta.createdAt),
    last_active: iso(meta.lastActive),
    running_tasks: runningTasks,
    repository: meta.cloned
      ? { url: meta.cloned.url, ref: meta.cloned.ref, commit: meta.cloned.commit }
      : null,
    state: meta.state ?? "ready",
    setup_task_id: meta.setupTaskId ?? null,
    failure: meta.failure ?? null,
    workspace_notice: meta.notice ? { at: iso(meta.notice.at), text: meta.notice.text } : null,
  };
}

/**
 * Builds a status response: a page of chunks from `fromIdx` of at most `maxBytes` (at least one
 * chunk), plus the outcome once the task is done.
 */
export function statusView(
  store: TaskStore,
  sessionId: string,
  task: TaskRow,
  fromIdx: number,
  maxBytes: number = LIMITS.MAX_STATUS_BYTES,
): TaskStatusView {
  // Nothing past the last chunk: a poll at the end of the output (the usual one) reads no chunk.
  const chunks =
    fromIdx < task.chunk_count ? store.readChunks(task.id, fromIdx, maxBytes, LIMITS.MAX_STATUS_CHUNKS) : [];
  const lastIndex = chunks.at(-1)?.idx ?? fromIdx - 1;
  const isDone = !isActive(task.status);
  const view: TaskStatusView = {
    task_id: task.id,
    session_id: sessionId,
    status: task.status,
    is_done: isDone,
    new_chunks: chunks.map((chunk) => ({
      index: chunk.idx,
      kind: chunk.kind,
      content: chunk.content,
      ...(chunk.data !== null && { data: JSON.parse(chunk.data) as unknown }),
      created_at: iso(chunk.created_at),
    })),
    new_content: chunks
      .filter((chunk) => chunk.kind === "text")
      .map((chunk) => chunk.content)
      .join(""),
    from_chunk_index: fromIdx,
    last_chunk_index: lastIndex,
    next_chunk_index: lastIndex + 1,
    has_more: lastIndex + 1 < task.chunk_count,
    total_chunks: task.chunk_count,
    total_bytes_received: task.total_bytes,
    created_at: iso(task.created_at),
    ended_at: task.ended_at === null ? null : iso(task.ended_at),
  };
  const metadata = store.metadata(task);
  if (metadata !== undefined) view.metadata = metadata;
  if (!isDone) return view;
  if (task.status === "completed") {
    // The answer comes with the last page only, so paging a long output does not repeat it.
    if (view.has_more) return view;
    const result = store.answer(task, LIMITS.MAX_RESULT_BYTES);
    view.result = result.text;
    view.result_truncated = result.truncated;
  } else {
    view.error = task.error ?? undefined;
  }
  view.reason = task.reason ?? undefined;
  view.exit_code = task.exit_code;
  return view;
}

export function summaryView(sessionId: string, task: TaskRow): TaskSummary {
  const credits = task.metadata === null ? undefined : turnMetadataOf(JSON.parse(task.metadata))?.credits;
  return {
    task_id: task.id,
    session_id: sessionId,
    status: task.status,
    is_done: !isActive(task.status),
    message_preview: task.preview,
    total_chunks: task.chunk_count,
    total_bytes_received: task.total_bytes,
    created_at: iso(task.created_at),
    ended_at: task.ended_at === null ? null : iso(task.ended_at),
    error: task.error ?? undefined,
    ...(credits !== undefined && { credits }),
  };
}
