import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { resolveSession } from "../context.ts";
import { sessionIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroSessionSave = defineTool({
  name: "kiro_session_save",
  title: "Save the conversation to a file",
  description:
    "Write the session's conversation (your messages and Kiro's answers) as Markdown to a file in the workspace. Paths outside the workspace are refused.",
  input: z.object({
    path: z
      .string()
      .min(1)
      .max(4096)
      .describe("File to write: relative to the workspace root, or absolute inside it"),
    session_id: sessionIdField,
  }),
  output: z.object({
    path: z.string().describe("Absolute path written"),
    bytes: z.number().int(),
    turns: z.number().int().describe("Conversation turns written"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ path, session_id }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return unwrap(await stub.saveConversation(path));
  },
});
