import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { accountOf } from "../context.ts";
import { defineTool } from "../tool.ts";

export const kiroSessionEnd = defineTool({
  name: "kiro_session_end",
  title: "End a Kiro session",
  description:
    "End a session for good: cancels its running tasks, stops its kiro-cli and container, and deletes its tasks, output and history. Files Kiro wrote in the workspace stay.",
  input: z.object({ session_id: z.string().max(100).describe("Session to end") }),
  output: z.object({
    session_id: z.string(),
    ended: z.boolean(),
    cancelled_tasks: z.number().int().describe("Running tasks that were cancelled"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ session_id }, ctx) {
    const { cancelled_tasks } = unwrap(await accountOf(ctx).endSession(ctx.userId, session_id));
    return { session_id, ended: true, cancelled_tasks };
  },
});
