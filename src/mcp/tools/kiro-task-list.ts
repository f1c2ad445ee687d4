import { z } from "zod";
import { LIMITS } from "../../config.ts";
import { unwrap } from "../../errors.ts";
import { type TaskSummary, taskSummarySchema } from "../../session/views.ts";
import { accountOf, resolveSession, sessionStub, type ToolContext } from "../context.ts";
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
  run: ({ session_id, include_done }, ctx) => listTasks(ctx, session_id, include_done),
});

/** The tasks of one session, or of all the user's sessions, newest first (also the dashboard's). */
export async function listTasks(ctx: ToolContext, sessionId: string | undefined, includeDone: boolean) {
  const sessionIds =
    sessionId === undefined
      ? (await accountOf(ctx).listSessions()).map((ref) => ref.session_id)
      : [(await resolveSession(ctx, sessionId)).sessionId];
  const lists = await Promise.all(
    sessionIds.map(async (id) => unwrap(await sessionStub(ctx, id).listTasks(includeDone))),
  );
  const tasks: TaskSummary[] = lists.flat().sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { tasks: tasks.slice(0, LIMITS.MAX_TASKS_LISTED) };
}
