/**
 * The MCP Tasks extension on a server built for one request: the capability, tools/call for the
 * task tools, and the tasks/* methods. Only on 2026-07-28 connections: the extension is defined
 * for that revision, and a 2025-era client has no way to read a task handle.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { ToolContext } from "../context.ts";
import { hookHandlers } from "../handler-hook.ts";
import { TASKS_EXTENSION } from "./extension.ts";
import { kiroTurnResult } from "./kiro-turn.ts";
import { registerTaskMethods } from "./methods.ts";
import type { TaskTool } from "./task-tool.ts";
import { taskCalls } from "./tools-call.ts";

/** Call before any tool is registered: the tools/call hook wraps the handler as it is set. */
export function installTasks(server: McpServer, ctx: ToolContext, tools: readonly TaskTool[]): void {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const resultOf = (tool: TaskTool | undefined) => (digest: Parameters<TaskTool["result"]>[0]) =>
    (tool ?? { result: kiroTurnResult }).result(digest, ctx);
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });
  hookHandlers(server.server, (method, handler, previous) => {
    const wrapped = previous(method, handler);
    return method === "tools/call" ? taskCalls(byName, ctx, resultOf, wrapped) : wrapped;
  });
  // A task a plain tool started (origin null) is a Kiro turn: it reads as kiro_chat's result.
  registerTaskMethods(server.server, ctx, (origin) =>
    resultOf(origin === null ? undefined : byName.get(origin)),
  );
}
