import type { ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import { LIMITS } from "../../config.ts";
import { unwrap } from "../../errors.ts";
import { type TaskStatusView, taskStatusField } from "../../session/views.ts";
import { accountOf, sessionStub, type ToolContext } from "../context.ts";
import { turnInput } from "../schemas.ts";
import { defineTool } from "../tool.ts";
import { viewUrl } from "../view-url.ts";

const PROGRESS_MESSAGE_CHARS = 200;

const chatResultSchema = z.object({
  task_id: z.string(),
  session_id: z.string(),
  status: taskStatusField,
  is_done: z.boolean(),
  result: z.string().optional().describe("Kiro's answer, when completed"),
  result_truncated: z.boolean().optional(),
  error: z.string().optional().describe("Why the task failed or was cancelled"),
  total_bytes_received: z.number().int(),
  note: z.string().optional().describe("What to do next, when the task is still running"),
  view_url: z.string().describe("A page showing the task's output live; the link is valid for an hour"),
});

type ChatOutput = z.infer<typeof chatResultSchema>;

export const kiroChat = defineTool({
  name: "kiro_chat",
  title: "Chat with Kiro",
  description:
    "Send a message to Kiro and wait for the answer, with progress notifications while Kiro works. If the answer takes longer than the server's wait limit (about 50 s), this returns the task_id with status running; then poll kiro_task_status.",
  input: turnInput,
  output: chatResultSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run({ message, session_id }, ctx, request) {
    const started = unwrap(await accountOf(ctx).startTask(ctx.userId, message, session_id));
    const stub = sessionStub(ctx, started.session_id);
    const deadline = Date.now() + ctx.settings.chatWaitMs;
    const progress = progressReporter(request);
    let from = 0;
    let view: TaskStatusView;
    for (;;) {
      const waitMs = Math.max(0, Math.min(LIMITS.MAX_WAIT_MS, deadline - Date.now()));
      view = unwrap(await stub.taskStatus({ taskId: started.task_id, fromChunkIndex: from, waitMs }));
      if (view.new_chunks.length > 0) await progress(view);
      from = view.next_chunk_index;
      if (view.has_more) continue;
      if (view.is_done || Date.now() >= deadline || request.mcpReq.signal.aborted) break;
    }
    return chatOutput(view, ctx);
  },
});

/** What kiro_chat answers for a task in the state `view` shows. */
export async function chatOutput(view: TaskStatusView, ctx: ToolContext): Promise<ChatOutput> {
  return {
    task_id: view.task_id,
    session_id: view.session_id,
    status: view.status,
    is_done: view.is_done,
    result: view.result,
    result_truncated: view.result_truncated,
    error: view.error,
    total_bytes_received: view.total_bytes_received,
    view_url: await viewUrl(ctx, view.task_id),
    note: view.is_done
      ? undefined
      : `Kiro is still working. Poll kiro_task_status with task_id ${view.task_id} and from_chunk_index 0 to read its output, then keep polling from next_chunk_index.`,
  };
}

/** Sends `notifications/progress` for new output when the client asked for progress. */
function progressReporter(request: ServerContext) {
  const token = request.mcpReq._meta?.progressToken;
  return async (view: TaskStatusView): Promise<void> => {
    if (token === undefined || request.mcpReq.signal.aborted) return;
    const latest = view.new_content.trim().split("\n").at(-1) ?? "";
    await request.mcpReq
      .notify({
        method: "notifications/progress",
        params: {
          progressToken: token,
          progress: view.next_chunk_index,
          message: latest.slice(-PROGRESS_MESSAGE_CHARS) || `${view.total_bytes_received} bytes received`,
        },
      })
      .catch(() => undefined); // the client went away: the task goes on regardless
  };
}
