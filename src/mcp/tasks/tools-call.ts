/**
 * tools/call for task tools. Wraps the SDK's own tools/call handler from the outside, because a
 * task handle is not a CallToolResult: the SDK would validate (and pad) it as one.
 *
 * For a task tool, a request that declared the extension on a 2026-07-28 connection gets a task
 * handle (`resultType: "task"`) once the task is stored, so tasks/get finds it at once. Anything
 * else goes to the SDK's handler, which answers as today: a request without the extension (refused
 * with -32021 for a `required` tool), arguments that do not fit the tool's schema (the SDK's own
 * validation error), and a call the tool answers without a task.
 */
import type { ServerContext } from "@modelcontextprotocol/server";
import type { ToolContext } from "../context.ts";
import type { Handler } from "../handler-hook.ts";
import { toolError } from "../tool.ts";
import { declaresTasks, tasksRequired } from "./extension.ts";
import { digestOf } from "./methods.ts";
import { detailedTask, taskOf } from "./task-state.ts";
import type { ResultOf, TaskTool } from "./task-tool.ts";

export function taskCalls(
  tools: ReadonlyMap<string, TaskTool>,
  ctx: ToolContext,
  resultOf: (tool: TaskTool) => ResultOf,
  sdkHandler: Handler,
): Handler {
  return async (request, server) => {
    const params = (request.params ?? {}) as { name?: unknown; arguments?: unknown };
    const tool = typeof params.name === "string" ? tools.get(params.name) : undefined;
    if (tool === undefined) return sdkHandler(request, server);
    if (!declaresTasks(server)) {
      if (tool.support === "required") throw tasksRequired(`The tool ${tool.name}`);
      return sdkHandler(request, server);
    }
    const args = tool.input.safeParse(params.arguments ?? {});
    if (!args.success) return sdkHandler(request, server);
    const taskId = await startTask(tool, args.data, ctx, server);
    if (typeof taskId !== "string") return taskId ?? sdkHandler(request, server);
    const task = await detailedTask(await digestOf(ctx, taskId), resultOf(tool), ctx);
    return { resultType: "task", ...taskOf(task) };
  };
}

/** The task's id; or the tool's error result when it could not start; or undefined (no task). */
async function startTask(
  tool: TaskTool,
  args: Record<string, unknown>,
  ctx: ToolContext,
  server: ServerContext,
) {
  try {
    return await tool.start(args, ctx, server);
  } catch (error) {
    return toolError(error, tool.name, ctx);
  }
}
