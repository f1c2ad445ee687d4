/**
 * What the live view shows above a task's output: the message that started it. The conversation
 * record holds the whole message until kiro_history_clear; after that only the task's preview
 * (its first 200 characters) is left, and the view says it is cut.
 */
import { taskNotFound } from "../errors.ts";
import type { History } from "./history.ts";
import type { TaskStore } from "./task-store.ts";

/** Most characters of the message the live view shows; a longer one is cut and says so. */
const MAX_MESSAGE_CHARS = 20_000;

export interface TaskOverview {
  task_id: string;
  /** `turn`: a Kiro turn; `setup`: the clone a session from a repository is set up by. */
  kind: "turn" | "setup";
  /** The message (a setup task: what it does); empty once the task expired. */
  message: string;
  /** The message shown is not all of it. */
  message_truncated: boolean;
  /** The task was swept after KIRO_TASK_TTL: its output is gone. */
  expired: boolean;
}

/** The overview of `taskId`, or "task not found" when this session never had it. */
export function taskOverview(store: TaskStore, history: History, taskId: string): TaskOverview {
  const task = store.get(taskId);
  if (task === undefined) {
    if (!store.isExpired(taskId)) throw taskNotFound(taskId);
    return { task_id: taskId, kind: "turn", message: "", message_truncated: false, expired: true };
  }
  const whole = task.kind === "turn" ? history.message(taskId) : undefined;
  const message = whole ?? task.preview;
  const cut = message.length > MAX_MESSAGE_CHARS;
  return {
    task_id: taskId,
    kind: task.kind,
    message: cut ? message.slice(0, MAX_MESSAGE_CHARS) : message,
    message_truncated: cut || (whole === undefined && task.message_bytes > task.preview.length),
    expired: false,
  };
}
