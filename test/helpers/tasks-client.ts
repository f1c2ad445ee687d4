/**
 * A minimal MCP client for protocol revision 2026-07-28 over raw JSON-RPC, as a task-aware client
 * speaks it: every request carries the per-request `_meta` envelope (protocol version, client
 * info, client capabilities, with or without the Tasks extension) and the standard headers
 * (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`). Runs in workerd and in Node.
 *
 *   const mcp = tasksClient(url, fetch);
 *   const handle = await mcp.result("tools/call", { name: "kiro_chat", arguments: { message } });
 *   const task = await mcp.settle(handle.taskId);   // polls tasks/get until a terminal status
 */
import type { FetchLike } from "./mcp-client.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
const PROTOCOL_VERSION = "2026-07-28";
const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}
export type RpcReply = { result: Record<string, unknown> } | { error: RpcError };

export interface TasksClient {
  /** Sends one request; `tasks: false` leaves the extension out of its client capabilities. */
  call(method: string, params: Record<string, unknown>, options?: CallOptions): Promise<RpcReply>;
  /** `call`, throwing when the answer is an error. */
  result(
    method: string,
    params: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  /** Polls tasks/get (honouring nothing but `intervalMs`) until the task reaches `until` or ends. */
  settle(
    taskId: string,
    options?: { until?: string; intervalMs?: number; deadlineMs?: number },
  ): Promise<TaskState>;
}

export interface CallOptions {
  tasks?: boolean;
  headers?: Record<string, string>;
}

/** What tasks/get answers (a DetailedTask). */
export interface TaskState extends Record<string, unknown> {
  taskId: string;
  status: string;
  statusMessage?: string;
  inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>;
  result?: { content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };
  error?: RpcError;
}

export function tasksClient(url: string, fetchImpl: FetchLike = fetch): TasksClient {
  let nextId = 1;
  const call: TasksClient["call"] = async (method, params, options = {}) => {
    const body = {
      jsonrpc: "2.0",
      id: nextId++,
      method,
      params: withEnvelope(params, options.tasks ?? true),
    };
    const name = params.name ?? params.taskId;
    const response = await fetchImpl(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": PROTOCOL_VERSION,
        "mcp-method": method,
        ...(typeof name === "string" && { "mcp-name": name }),
        ...options.headers,
      },
      body: JSON.stringify(body),
    });
    return lastMessage(await response.text(), response.headers.get("content-type") ?? "");
  };
  const result: TasksClient["result"] = async (method, params, options) => {
    const reply = await call(method, params, options);
    if ("error" in reply) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  };
  const settle: TasksClient["settle"] = async (taskId, options = {}) => {
    const deadline = Date.now() + (options.deadlineMs ?? 30_000);
    for (;;) {
      const task = (await result("tasks/get", { taskId })) as TaskState;
      if (task.status === options.until || TERMINAL.has(task.status)) return task;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status} after the deadline`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
  };
  return { call, result, settle };
}

function withEnvelope(params: Record<string, unknown>, tasks: boolean): Record<string, unknown> {
  const capabilities = tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {};
  return {
    ...params,
    _meta: {
      ...(params._meta as Record<string, unknown> | undefined),
      "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
      "io.modelcontextprotocol/clientInfo": { name: "kiro-mcp-edge-tests", version: "0.0.0" },
      "io.modelcontextprotocol/clientCapabilities": capabilities,
    },
  };
}

/** The response among the messages of a JSON body or an SSE stream (progress notifications skipped). */
function lastMessage(text: string, contentType: string): RpcReply {
  const messages = contentType.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>)
    : [JSON.parse(text) as Record<string, unknown>];
  const reply = messages.find((message) => "result" in message || "error" in message);
  if (reply === undefined) throw new Error(`no JSON-RPC response in: ${text.slice(0, 500)}`);
  return "error" in reply
    ? { error: reply.error as RpcError }
    : { result: reply.result as Record<string, unknown> };
}
