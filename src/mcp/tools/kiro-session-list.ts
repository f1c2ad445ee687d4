import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { sessionInfoSchema } from "../../session/views.ts";
import { accountOf, sessionStub, type ToolContext } from "../context.ts";
import { defineTool } from "../tool.ts";

export const kiroSessionList = defineTool({
  name: "kiro_session_list",
  title: "List Kiro sessions",
  description: "Your Kiro sessions, oldest first, with which one is active.",
  input: z.object({}),
  output: z.object({
    sessions: z.array(
      sessionInfoSchema.extend({ active: z.boolean().describe("Used when session_id is omitted") }),
    ),
    active_session_id: z.string().nullable(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: (_args, ctx) => listSessions(ctx),
});

/** The user's sessions with their details and which one is active (also kiro://sessions). */
export async function listSessions(ctx: ToolContext) {
  const refs = await accountOf(ctx).listSessions();
  const sessions = await Promise.all(
    refs.map(async (ref) => ({
      ...unwrap(await sessionStub(ctx, ref.session_id).info()),
      active: ref.active,
    })),
  );
  return { sessions, active_session_id: refs.find((ref) => ref.active)?.session_id ?? null };
}
