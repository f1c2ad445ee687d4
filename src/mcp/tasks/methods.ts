/**
 * tasks/get, tasks/update and tasks/cancel (revision 2026-07-28). Each refuses a request that did
 * not declare the extension (-32021), then finds the task exactly as kiro_task_status does: a
 * malformed, foreign, unknown or expired id is -32602, with the same message for each.
 */
import type { CallToolResult, Server } from "@modelcontextprotocol/server";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import { ErrorCode, KiroError, taskNotFound, unwrap } from "../../errors.ts";
import type { TaskDigest } from "../../session/task-digest.ts";
import { sessionOfTask, type ToolContext } from "../context.ts";
import { requireTasks } from "./extension.ts";
import { optionFor } from "./permission-input.ts";
import { detailedTask } from "./task-state.ts";

const taskIdParams = z.looseObject({ taskId: z.string() });

/** Errors that mean "no such task for you": answered -32602 as the spec asks for an unknown id. */
const NOT_FOUND: ReadonlySet<string> = new Set([
  ErrorCode.TaskNotFound,
  ErrorCode.TaskExpired,
  ErrorCode.SessionNotFound,
]);

export type ResultFor = (origin: string | null) => (digest: TaskDigest) => Promise<CallToolResult>;

export function registerTaskMethods(server: Server, ctx: ToolContext, resultFor: ResultFor): void {
  server.setRequestHandler("tasks/get", { params: taskIdParams }, (params, request) =>
    protocolErrors(ctx, params.taskId, async () => {
      requireTasks(request, "tasks/get");
      const digest = await digestOf(ctx, params.taskId);
      return { ...(await detailedTask(digest, resultFor(digest.origin), ctx)) };
    }),
  );
  // The SDK lifts `inputResponses` out of every request's params (the multi-round-trip retry
  // field has the same name) into `ctx.mcpReq.inputResponses`, dropping entries that are no
  // bare response object.
  server.setRequestHandler("tasks/update", { params: taskIdParams }, (params, request) =>
    protocolErrors(ctx, params.taskId, async () => {
      requireTasks(request, "tasks/update");
      if (request.mcpReq.inputResponses === undefined) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          "Invalid params for tasks/update: inputResponses is required",
        );
      }
      await answerPrompts(ctx, params.taskId, request.mcpReq.inputResponses);
      return {};
    }),
  );
  server.setRequestHandler("tasks/cancel", { params: taskIdParams }, (params, request) =>
    protocolErrors(ctx, params.taskId, async () => {
      requireTasks(request, "tasks/cancel");
      const stub = await sessionOfTask(ctx, params.taskId);
      unwrap(await stub.cancelTask(params.taskId));
      return {};
    }),
  );
}

/**
 * Delivers the responses to the task's waiting permission requests; responses for any other key
 * (never issued, answered already, decided meanwhile) are ignored, as the spec asks. All are
 * checked before any is delivered, so a bad one changes nothing.
 */
async function answerPrompts(
  ctx: ToolContext,
  taskId: string,
  responses: Record<string, unknown>,
): Promise<void> {
  const stub = await sessionOfTask(ctx, taskId);
  const { waiting }: TaskDigest = unwrap(await stub.taskDigest(taskId));
  const answers = waiting
    .filter((prompt) => Object.hasOwn(responses, prompt.key))
    .map((prompt) => ({ key: prompt.key, optionId: optionFor(prompt, responses[prompt.key]) }));
  for (const { key, optionId } of answers) unwrap(await stub.answerPermission(taskId, key, optionId));
}

/** The digest of a task the user owns. */
export async function digestOf(ctx: ToolContext, taskId: string): Promise<TaskDigest> {
  const stub = await sessionOfTask(ctx, taskId);
  return unwrap(await stub.taskDigest(taskId));
}

/**
 * Our errors as JSON-RPC errors: "not found" as -32602 (an ended session's task reads as an unknown
 * task), other expected failures as -32603 with their message, anything else as -32603 with a
 * reference (details in the log, never in the answer).
 */
async function protocolErrors<T>(ctx: ToolContext, taskId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    if (error instanceof KiroError) {
      const known = error.code === ErrorCode.SessionNotFound ? taskNotFound(taskId) : error;
      const code = NOT_FOUND.has(known.code)
        ? ProtocolErrorCode.InvalidParams
        : ProtocolErrorCode.InternalError;
      throw new ProtocolError(code, known.message);
    }
    const ref = crypto.randomUUID().slice(0, 8);
    ctx.log.error("tasks.method_failed", {
      task_id: taskId,
      ref,
      error: error instanceof Error ? error.stack : String(error),
    });
    throw new ProtocolError(ProtocolErrorCode.InternalError, `Internal error (ref ${ref}).`);
  }
}
