import { z } from "zod";
import { LIMITS } from "../../config.ts";
import { unwrap } from "../../errors.ts";
import { type TaskSummary, taskSummarySchema } from "../../session/views.ts";
import { accountOf, resolveSession, sessionStub } from "../context.ts";
import { defineTool } from "../tool.ts";

export const kiroTaskList = defineTool({
  name: "kiro_task_list",
  title: "List Kiro tasks",
  description: "Tasks of one session, or of all your sessions when session_id is omitted, newest first.",
  input: z.object({
    session_id: z
      .string()
      .max(100)
      .optional()
      .describe("Only this session's tasks; default: all your sessions"),
    include_done: z.boolean().default(false).describe("Include completed, failed and cancelled tasks"),
  }),
  output: z.object({ tasks: z.array(taskSummarySchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ session_id, include_done }, ctx) {
    const sessionIds =
      session_id === undefined
        ? (await accountOf(ctx).listSessions()).map((ref) => ref.session_id)
        : [(await resolveSession(ctx, session_id)).sessionId];
    const lists = await Promise.all(
      sessionIds.map(async (id) => unwrap(await sessionStub(ctx, id).listTasks(include_done))),
    );
    const tasks: TaskSummary[] = lists.flat().sort((a, b) => b.created_at.localeCompare(a.created_at));
    return { tasks: tasks.slice(0, LIMITS.MAX_TASKS_LISTED) };
  },
});
