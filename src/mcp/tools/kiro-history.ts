import { z } from "zod";
import { LIMITS } from "../../config.ts";
import { unwrap } from "../../errors.ts";
import { iso } from "../../session/views.ts";
import { resolveSession } from "../context.ts";
import { sessionIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroHistory = defineTool({
  name: "kiro_history",
  title: "Read the conversation history",
  description: "The session's conversation as recorded here: your messages and Kiro's answers, newest last.",
  input: z.object({
    session_id: sessionIdField,
    limit: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.MAX_HISTORY_TURNS)
      .default(50)
      .describe(`How many of the newest turns to return (at most ${LIMITS.MAX_HISTORY_TURNS})`),
  }),
  output: z.object({
    session_id: z.string(),
    turns: z.array(
      z.object({
        task_id: z.string(),
        role: z.enum(["user", "assistant"]),
        content: z.string(),
        created_at: z.string(),
      }),
    ),
    total: z.number().int().describe("Turns recorded in all"),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ session_id, limit }, ctx) {
    const { sessionId, stub } = await resolveSession(ctx, session_id);
    const { turns, total } = unwrap(await stub.history(limit));
    return {
      session_id: sessionId,
      turns: turns.map((turn) => ({ ...turn, created_at: iso(turn.created_at) })),
      total,
    };
  },
});

export const kiroHistoryClear = defineTool({
  name: "kiro_history_clear",
  title: "Clear the conversation history",
  description:
    "Delete the history recorded here for a session. Kiro's own memory of the conversation is kiro_session_clear.",
  input: z.object({ session_id: sessionIdField }),
  output: z.object({ session_id: z.string(), cleared: z.number().int().describe("Turns deleted") }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ session_id }, ctx) {
    const { sessionId, stub } = await resolveSession(ctx, session_id);
    return { session_id: sessionId, ...unwrap(await stub.clearHistory()) };
  },
});
