import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { taskStartedSchema } from "../../session/views.ts";
import { accountOf } from "../context.ts";
import { turnInput } from "../schemas.ts";
import { defineTool } from "../tool.ts";
import { viewUrl } from "../view-url.ts";

export const kiroChatAsync = defineTool({
  name: "kiro_chat_async",
  title: "Start a Kiro task",
  description:
    "Send a message to Kiro and return at once with a task_id. Kiro works in the background; poll kiro_task_status with from_chunk_index to read its output while it is produced. Use this for anything that may take more than a minute.",
  input: turnInput,
  output: taskStartedSchema.extend({
    view_url: z.string().describe("A page showing the task's output live; the link is valid for an hour"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run({ message, session_id }, ctx) {
    const started = unwrap(await accountOf(ctx).startTask(ctx.userId, message, session_id));
    return { ...started, view_url: await viewUrl(ctx, started.task_id) };
  },
});
