import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { sessionInfoSchema } from "../../session/views.ts";
import { accountOf, sessionStub } from "../context.ts";
import { defineTool } from "../tool.ts";

export const kiroSessionSwitch = defineTool({
  name: "kiro_session_switch",
  title: "Switch the active Kiro session",
  description: "Make a session the active one: tools called without session_id use it.",
  input: z.object({ session_id: z.string().max(100).describe("Session to make active") }),
  output: sessionInfoSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ session_id }, ctx) {
    unwrap(await accountOf(ctx).switchSession(session_id));
    return unwrap(await sessionStub(ctx, session_id).info());
  },
});
