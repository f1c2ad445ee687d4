import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { resolveSession } from "../context.ts";
import { sessionOnlyInput } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const agentSchema = z.object({
  name: z.string().describe("Pass as agent to kiro_session_create"),
  description: z.string().nullable(),
  source: z
    .enum(["builtin", "global", "workspace"])
    .describe("Kiro's own, ~/.kiro/agents, or <workspace>/.kiro/agents"),
});

export const kiroAgentsList = defineTool({
  name: "kiro_agents_list",
  title: "List Kiro agents",
  description:
    "Kiro's built-in agent and the custom agents available to a session: ~/.kiro/agents and the session's .kiro/agents.",
  input: sessionOnlyInput,
  output: z.object({ agents: z.array(agentSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ session_id }, ctx) {
    const { stub } = await resolveSession(ctx, session_id);
    return { agents: unwrap(await stub.agents()) };
  },
});
