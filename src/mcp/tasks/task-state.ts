/**
 * Our task as the extension's `DetailedTask` (what tasks/get answers) and `Task` (the handle a
 * task-creating tools/call answers):
 *
 *   running                 → working, or input_required while Kiro's permission requests wait
 *                             for the client (inputRequests: ./permission-input.ts)
 *   cancelling              → working, saying so: the turn is being stopped, its end not yet known
 *   cancelled               → cancelled
 *   completed, failed       → completed, with the CallToolResult of the tool that started it: a
 *                             failed Kiro turn is a tool outcome (kiro_chat reports it as status
 *                             "failed"), not a protocol error
 *   the result cannot be built → failed, with the JSON-RPC error
 *
 * ttlMs: null while the task runs (a running task is never discarded); once it ended, the time
 * from its creation until KIRO_TASK_TTL after its end, when it is swept.
 */
import { type JsonValue, toJsonValue } from "@modelcontextprotocol/ext-tasks/core";
import type { DetailedTaskV2, TaskV2 } from "@modelcontextprotocol/ext-tasks/core/v2";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { TaskDigest } from "../../session/task-digest.ts";
import type { ToolContext } from "../context.ts";
import { elicitationFor, promptLine } from "./permission-input.ts";
import type { ResultOf } from "./task-tool.ts";

/** Suggested tasks/get interval: a Kiro turn takes minutes, its output arrives every second or so. */
export const POLL_INTERVAL_MS = 2_000;

export async function detailedTask(
  digest: TaskDigest,
  resultOf: ResultOf,
  ctx: ToolContext,
): Promise<DetailedTaskV2> {
  const { view } = digest;
  const base = taskBase(digest, ctx);
  const message = digest.status_line ?? undefined;
  switch (view.status) {
    case "running":
      if (digest.waiting.length > 0) return inputRequired(base, digest);
      return { ...base, status: "working", ...(message !== undefined && { statusMessage: message }) };
    case "cancelling":
      return { ...base, status: "working", statusMessage: "Cancelling: the turn is being stopped." };
    case "cancelled":
      return { ...base, status: "cancelled", statusMessage: view.error ?? "Cancelled." };
    default:
      try {
        // As the CallToolResult goes on the 2026-07-28 wire: with its discriminator.
        const result = toJsonValue({ ...(await resultOf(digest)), resultType: "complete" }) as Readonly<
          Record<string, JsonValue>
        >;
        const summary = view.status === "failed" ? view.error : message;
        return { ...base, status: "completed", result, ...(summary && { statusMessage: summary }) };
      } catch (error) {
        return { ...base, status: "failed", ...failure(error, view.task_id, ctx) };
      }
  }
}

function inputRequired(base: ReturnType<typeof taskBase>, digest: TaskDigest): DetailedTaskV2 {
  const [first] = digest.waiting;
  const more = digest.waiting.length > 1 ? ` (and ${digest.waiting.length - 1} more)` : "";
  return {
    ...base,
    status: "input_required",
    statusMessage: first === undefined ? "" : `${promptLine(first)}${more}: answer with tasks/update.`,
    inputRequests: Object.fromEntries(digest.waiting.map((prompt) => [prompt.key, elicitationFor(prompt)])),
  };
}

/** The plain `Task` fields of a detailed task: what a CreateTaskResult carries. */
export function taskOf(task: DetailedTaskV2): TaskV2 {
  const { taskId, status, statusMessage, createdAt, lastUpdatedAt, ttlMs, pollIntervalMs } = task;
  return {
    taskId,
    status,
    ...(statusMessage !== undefined && { statusMessage }),
    createdAt,
    lastUpdatedAt,
    ttlMs,
    ...(pollIntervalMs !== undefined && { pollIntervalMs }),
  };
}

function taskBase(digest: TaskDigest, ctx: ToolContext) {
  const { view } = digest;
  const created = Date.parse(view.created_at);
  const ttlMs = view.ended_at === null ? null : Date.parse(view.ended_at) + ctx.settings.taskTtlMs - created;
  return {
    taskId: view.task_id,
    createdAt: view.created_at,
    lastUpdatedAt: digest.updated_at,
    ttlMs,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

/** A failed task's `statusMessage` and `error`: a ProtocolError as is, anything else by reference. */
function failure(error: unknown, taskId: string, ctx: ToolContext) {
  if (error instanceof ProtocolError) {
    const data = error.data === undefined ? {} : { data: toJsonValue(error.data) };
    return { statusMessage: error.message, error: { code: error.code, message: error.message, ...data } };
  }
  const ref = crypto.randomUUID().slice(0, 8);
  ctx.log.error("task.result_failed", {
    task_id: taskId,
    ref,
    error: error instanceof Error ? error.stack : String(error),
  });
  const message = `Internal error (ref ${ref}) while building the task's result.`;
  return { statusMessage: message, error: { code: ProtocolErrorCode.InternalError, message } };
}
