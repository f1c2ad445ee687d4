import type { GetPromptResult, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";

/** How a client should drive a delegated task; every prompt ends with it. */
const POLLING = `Start it with the kiro_chat_async tool (pass session_id if you use a specific session), then call kiro_task_status with the returned task_id, wait_ms 20000 and from_chunk_index set to the previous answer's next_chunk_index, until is_done is true. Relay Kiro's progress as it arrives and report its final result.`;

function userMessage(text: string): GetPromptResult {
  return { messages: [{ role: "user", content: { type: "text", text } }] };
}

const where = (path: string | undefined) => (path ? ` in ${path}` : "");

// Built once: the server (and so every prompt) is registered again on each request.
const REVIEW_ARGS = z.object({
  path: z.string().optional().describe("File or directory to review (default: the whole workspace)"),
  focus: z.string().optional().describe("What to look at most: security, performance, tests, …"),
});
const PLAN_ARGS = z.object({ goal: z.string().describe("What should be built or changed") });
const BUG_HUNT_ARGS = z.object({
  symptom: z.string().describe("What goes wrong, with any error message"),
  path: z.string().optional().describe("Where to start looking"),
});

/** Prompts that help a client delegate well: a review, plan-then-implement, and a bug hunt. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "kiro_review",
    {
      title: "Code review by Kiro",
      description: "Ask Kiro to review code and report findings ranked by severity, without changing files",
      argsSchema: REVIEW_ARGS,
    },
    ({ path, focus }) =>
      userMessage(
        `Ask Kiro to review the code${where(path)}${focus ? `, focusing on ${focus}` : ""}. Kiro must not modify files: it should list concrete findings with file and line, ranked by severity, each with a suggested fix. ${POLLING}`,
      ),
  );
  server.registerPrompt(
    "kiro_plan_then_implement",
    {
      title: "Plan, then implement, with Kiro",
      description: "Have Kiro propose a plan first, and implement it only after you agree",
      argsSchema: PLAN_ARGS,
    },
    ({ goal }) =>
      userMessage(
        `First ask Kiro for a step-by-step plan (no code changes yet) to achieve: ${goal}. Show me the plan and wait for my approval. After I approve, send Kiro a second message in the same session asking it to implement the plan and run the tests. ${POLLING}`,
      ),
  );
  server.registerPrompt(
    "kiro_bug_hunt",
    {
      title: "Bug hunt with Kiro",
      description: "Have Kiro reproduce a bug, find its root cause, fix it and add a regression test",
      argsSchema: BUG_HUNT_ARGS,
    },
    ({ symptom, path }) =>
      userMessage(
        `Ask Kiro to hunt down this bug${where(path)}: ${symptom}. Kiro should reproduce it, explain the root cause, fix it with the smallest change, and add a test that fails without the fix. ${POLLING}`,
      ),
  );
}
