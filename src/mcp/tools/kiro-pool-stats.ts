import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { poolInfoSchema } from "../../session/pool-info.ts";
import { accountOf, sessionStub } from "../context.ts";
import { defineTool } from "../tool.ts";

export const kiroPoolStats = defineTool({
  name: "kiro_pool_stats",
  title: "Runner and container statistics",
  description:
    "What is behind each of your sessions: whether its runner is up, container state, warm kiro-cli processes, runs served, and mean spawn and first-output times.",
  input: z.object({}),
  output: z.object({
    sessions: z.array(poolInfoSchema),
    totals: z.object({
      sessions: z.number().int(),
      runners_up: z.number().int(),
      running_tasks: z.number().int(),
    }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(_args, ctx) {
    const refs = await accountOf(ctx).listSessions();
    const sessions = await Promise.all(
      refs.map(async (ref) => unwrap(await sessionStub(ctx, ref.session_id).pool())),
    );
    return {
      sessions,
      totals: {
        sessions: sessions.length,
        runners_up: sessions.filter((s) => s.runner_up).length,
        running_tasks: sessions.reduce((sum, s) => sum + s.running_tasks, 0),
      },
    };
  },
});
