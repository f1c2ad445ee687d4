import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { resolveSession } from "../context.ts";
import { sessionIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroCommand = defineTool({
  name: "kiro_command",
  title: "Run a Kiro slash command",
  description:
    "Run one of Kiro's slash commands in the session (for example /help, /tools, /mcp, /usage, /context) and return its output. Needs the ACP driver (the default).",
  input: z.object({
    command: z
      .string()
      .max(1024)
      .regex(/^\/[^\r\n]*$/, "command must be one line starting with /, for example /tools")
      .describe("The slash command with its arguments, e.g. /tools"),
    session_id: sessionIdField,
  }),
  output: z.object({
    output: z.string().describe("What the command printed"),
    data: z.unknown().optional().describe("The structured result, when Kiro returned one"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async run({ command, session_id }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return unwrap(await stub.command(command));
  },
});
