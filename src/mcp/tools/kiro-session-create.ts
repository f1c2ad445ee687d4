import { z } from "zod";
import { ErrorCode, KiroError, unwrap } from "../../errors.ts";
import { sessionInfoSchema } from "../../session/views.ts";
import { accountOf } from "../context.ts";
import { defineTool } from "../tool.ts";

/** Agent names as kiro-cli stores them (file names); never anything that could read as a flag. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const kiroSessionCreate = defineTool({
  name: "kiro_session_create",
  title: "Create a Kiro session",
  description:
    "Start a new Kiro session with its own conversation, optionally with a custom agent and a working directory inside the workspace. It becomes the active session. With repository, the session starts in a fresh clone of it: the answer comes at once with state `preparing` and setup_task_id, the clone's task (follow its progress with kiro_task_status); the session takes messages once that task has completed, or reports in failure why it could not be cloned. Private repositories are cloned with your own git credential (GIT_TOKEN, stored with `npm run secrets -- set GIT_TOKEN`).",
  input: z.object({
    agent: z
      .string()
      .regex(AGENT_NAME, "agent must be an agent name such as my-agent (letters, digits, . _ -)")
      .optional()
      .describe(
        "Custom Kiro agent (from ~/.kiro/agents or the workspace's .kiro/agents); default: Kiro's own",
      ),
    working_directory: z
      .string()
      .max(4096)
      .optional()
      .describe(
        "Directory Kiro works in: relative to the workspace root, or absolute inside it; default: the root. With repository, where the clone goes (default: a new directory named after the repository)",
      ),
    repository: z
      .string()
      .max(2048)
      .optional()
      .describe("A git URL (https://…, ssh://… or git@host:path) to clone into the working directory first"),
    ref: z
      .string()
      .max(200)
      .optional()
      .describe("Branch or tag of repository to clone (default: its default branch)"),
  }),
  output: sessionInfoSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ agent, working_directory, repository, ref }, ctx) {
    if (ref !== undefined && repository === undefined) {
      throw new KiroError(
        ErrorCode.InvalidInput,
        "ref needs repository: it names the branch or tag to clone.",
      );
    }
    const settings = {
      agent: agent ?? null,
      workingDirectory: working_directory ?? "",
      repository: repository === undefined ? null : { url: repository, ref },
    };
    return unwrap(await accountOf(ctx).createSession(ctx.userId, settings));
  },
});
