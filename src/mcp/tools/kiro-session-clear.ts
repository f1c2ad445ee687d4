import { unwrap } from "../../errors.ts";
import { sessionInfoSchema } from "../../session/views.ts";
import { resolveSession } from "../context.ts";
import { sessionOnlyInput } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroSessionClear = defineTool({
  name: "kiro_session_clear",
  title: "Clear Kiro's conversation",
  description:
    "Make Kiro forget the session's conversation: the next message starts a fresh one. The history recorded here (kiro_history) is kept; kiro_history_clear removes that.",
  input: sessionOnlyInput,
  output: sessionInfoSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ session_id }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return unwrap(await stub.clearConversation());
  },
});
