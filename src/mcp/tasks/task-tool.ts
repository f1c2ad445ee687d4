/**
 * A tool that can answer `tools/call` with a task handle: how it starts its task, and the
 * `CallToolResult` its finished task carries. The task is always one of our own (a KiroSession
 * task), so `tasks/get` reads it like kiro_task_status does and ownership works the same way.
 */
import type { CallToolResult, ServerContext } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { TaskDigest } from "../../session/task-digest.ts";
import type { ToolContext } from "../context.ts";

/**
 * `optional`: a client without the extension gets the tool's usual answer. `required`: the tool
 * only runs as a task, so such a client is refused with -32021.
 */
export type TaskSupport = "optional" | "required";

export interface TaskTool {
  name: string;
  support: TaskSupport;
  /** The tool's input schema: arguments are checked against it before a task starts. */
  input: z.ZodObject;
  /** Starts the task and returns its id; undefined answers this call the tool's usual way. */
  start(args: Record<string, unknown>, ctx: ToolContext, request: ServerContext): Promise<string | undefined>;
  /** The result of the finished task; a thrown ProtocolError makes the task `failed` instead. */
  result(digest: TaskDigest, ctx: ToolContext): Promise<CallToolResult>;
}

/** Finds the result of a task by the tool that started it (`origin`, null for a plain tool's task). */
export type ResultOf = (digest: TaskDigest) => Promise<CallToolResult>;
