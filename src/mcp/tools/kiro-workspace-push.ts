import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { pushViewSchema } from "../../session/workspace-out.ts";
import { resolveSession } from "../context.ts";
import { sessionIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroWorkspacePush = defineTool({
  name: "kiro_workspace_push",
  title: "Push the changes to a new branch",
  description:
    "Commit everything that changed in the session's working directory since it started, as one commit on top of its starting commit, and push it to a NEW branch of the session's repository with your own git credential (GIT_TOKEN, stored with `npm run secrets -- set GIT_TOKEN`). Returns the branch and, for GitHub, GitLab and Bitbucket, the link that opens a pull request. Never force-pushes, never pushes to an existing or the default branch. Refused while a turn runs.",
  input: z.object({
    branch: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._/][A-Za-z0-9._/-]*$/, "branch must be a git branch name such as kiro/fix-login")
      .describe("The new branch to create on the remote, e.g. kiro/fix-login; it must not exist yet"),
    message: z
      .string()
      .min(1)
      .max(10_000)
      .optional()
      .describe('Commit message (default: "Changes made with Kiro")'),
    session_id: sessionIdField,
  }),
  output: pushViewSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ branch, message, session_id }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return unwrap(await stub.push(branch, message));
  },
});
