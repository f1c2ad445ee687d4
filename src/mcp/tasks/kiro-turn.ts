/**
 * kiro_chat and kiro_chat_async as task tools: one Kiro turn, and on completion the result
 * kiro_chat would have returned. A task-aware client can answer Kiro's permission requests, so
 * the turn is started with `askPermissions` (honoured by a runner with KIRO_TRUST=ask). A task
 * started by a plain kiro_chat_async (no extension) reads the same way through tasks/get.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { unwrap } from "../../errors.ts";
import type { TaskDigest } from "../../session/task-digest.ts";
import { accountOf, type ToolContext } from "../context.ts";
import { turnInput } from "../schemas.ts";
import { toolResult } from "../tool.ts";
import { chatOutput } from "../tools/kiro-chat.ts";
import type { TaskTool } from "./task-tool.ts";

export function kiroTurnTask(name: "kiro_chat" | "kiro_chat_async"): TaskTool {
  return {
    name,
    support: "optional",
    input: turnInput,
    async start(args, ctx) {
      const { message, session_id } = args as z.infer<typeof turnInput>;
      const options = { origin: name, askPermissions: true };
      const started = await accountOf(ctx).startTask(ctx.userId, message, session_id, options);
      return unwrap(started).task_id;
    },
    result: kiroTurnResult,
  };
}

/** kiro_chat's result for the turn `digest` describes. */
export async function kiroTurnResult(digest: TaskDigest, ctx: ToolContext): Promise<CallToolResult> {
  return toolResult(await chatOutput(digest.view, ctx));
}
