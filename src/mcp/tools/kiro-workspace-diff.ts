import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { diffViewSchema } from "../../session/workspace-out.ts";
import { resolveSession } from "../context.ts";
import { sessionIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroWorkspaceDiff = defineTool({
  name: "kiro_workspace_diff",
  title: "Show what changed in the workspace",
  description:
    "What changed in the session's working directory since the session started from its repository: each changed file (added, modified, deleted, renamed; binary files named, not shown) and a unified diff, cut with a notice when it is long. Changes Kiro committed count too. Needs a session created with repository.",
  input: z.object({
    session_id: sessionIdField,
    path: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        "Only this file or directory, relative to the working directory (for the rest of a long diff)",
      ),
  }),
  output: diffViewSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ session_id, path }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return unwrap(await stub.diff(path));
  },
});
