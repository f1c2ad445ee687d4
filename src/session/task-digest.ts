/**
 * A task's state without its output, for clients of the MCP Tasks extension (src/mcp/tasks): its
 * status and outcome, the tool that started it, when it last changed, and one line saying what
 * Kiro is doing now.
 */
import type { ChunkKind } from "./chunks.ts";
import type { WaitingPrompt } from "./permission-prompts.ts";
import type { TaskStore } from "./task-store.ts";
import { iso, type TaskStatusView } from "./views.ts";

/** Most characters of the status line: a line of output or a tool call's title. */
const STATUS_LINE_CHARS = 200;
/** How far back from the newest chunk the status line is looked for. */
const STATUS_LOOKBACK_CHUNKS = 20;
/** Kinds a status line is taken from: the answer and what Kiro's tools do; not thoughts or plans. */
const STATUS_KINDS: ReadonlySet<ChunkKind> = new Set(["text", "tool_call", "tool_call_update", "permission"]);

export interface TaskDigest {
  /** The status view read past the last chunk: state, times and, once completed, the answer. */
  view: TaskStatusView;
  /** The tool that started the task as an MCP Tasks extension task; null otherwise. */
  origin: string | null;
  /** ISO time of the last change: the task's end, else its newest chunk, else its start. */
  updated_at: string;
  /** The latest line of Kiro's answer or the latest tool call or permission, if any. */
  status_line: string | null;
  /** Kiro's permission requests waiting for the client's answer (KIRO_TRUST=ask), while it runs. */
  waiting: WaitingPrompt[];
}

/** The digest of a task, given its status view (which has checked that the task exists). */
export function taskDigest(store: TaskStore, view: TaskStatusView): TaskDigest {
  const row = store.get(view.task_id);
  const recent = store.recentChunks(view.task_id, STATUS_LOOKBACK_CHUNKS);
  const newest = recent[0]?.created_at;
  const updated = view.ended_at ?? (newest === undefined ? view.created_at : iso(newest));
  return {
    view,
    origin: row?.origin ?? null,
    updated_at: updated,
    status_line: statusLine(recent),
    waiting: view.status === "running" ? store.prompts.waiting(view.task_id) : [],
  };
}

/**
 * The status line from chunks newest first: a tool call or permission chunk as rendered, or the
 * last non-empty line of the answer (its newest text chunks read back to a line break).
 */
export function statusLine(newestFirst: readonly { kind: ChunkKind; content: string }[]): string | null {
  let text = "";
  for (const chunk of newestFirst) {
    if (!STATUS_KINDS.has(chunk.kind)) continue;
    if (chunk.kind !== "text") {
      if (text.trim() !== "") break;
      return clip(chunk.content);
    }
    text = chunk.content + text;
    if (text.trimEnd().includes("\n")) break;
  }
  const line = text
    .split("\n")
    .map((part) => part.trim())
    .filter(Boolean)
    .at(-1);
  return line === undefined ? null : clip(line);
}

function clip(text: string): string {
  const line = text.trim();
  return line.length <= STATUS_LINE_CHARS ? line : `${line.slice(0, STATUS_LINE_CHARS - 1)}…`;
}
