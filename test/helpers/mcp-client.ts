/**
 * The real MCP client (@modelcontextprotocol/sdk) over Streamable HTTP, pointed at any
 * fetch-shaped target: the Worker inside workerd, or `wrangler dev` over the network.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export async function connectMcp(url: string, fetchImpl?: FetchLike): Promise<Client> {
  const client = new Client({ name: "kiro-mcp-edge-tests", version: "0.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), fetchImpl ? { fetch: fetchImpl } : {});
  await client.connect(transport);
  return client;
}

export interface ToolOutcome<T> {
  isError: boolean;
  text: string;
  data: T;
}

/** Calls a tool and returns its structured output (or the error text when isError). */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options: {
    onprogress?: (progress: { progress: number; message?: string }) => void;
    timeoutMs?: number;
  } = {},
): Promise<ToolOutcome<T>> {
  const result = await client.callTool({ name, arguments: args }, undefined, {
    ...(options.onprogress && { onprogress: options.onprogress }),
    timeout: options.timeoutMs ?? 60_000,
  });
  const content = result.content as Array<{ type: string; text?: string }>;
  const text = content.map((part) => part.text ?? "").join("");
  return { isError: result.isError === true, text, data: result.structuredContent as T };
}

export interface StatusLike {
  task_id: string;
  session_id: string;
  status: string;
  is_done: boolean;
  new_chunks: Array<{ index: number; kind: string; content: string }>;
  new_content: string;
  next_chunk_index: number;
  has_more: boolean;
  result?: string;
  error?: string;
  reason?: string;
}

/**
 * Polls kiro_task_status from chunk 0 until the task ends, checking on the way that indices are
 * contiguous and never repeated. Returns every chunk and the final status.
 */
export async function pollUntilDone(
  client: Client,
  taskId: string,
  options: {
    waitMs?: number;
    deadlineMs?: number;
    /** max_bytes of each poll (the server's default when absent). */
    maxBytes?: number;
    onPoll?: (status: StatusLike) => void;
  } = {},
): Promise<{ chunks: StatusLike["new_chunks"]; final: StatusLike; polls: number }> {
  const chunks: StatusLike["new_chunks"] = [];
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  let from = 0;
  let polls = 0;
  for (;;) {
    const { data, isError, text } = await callTool<StatusLike>(client, "kiro_task_status", {
      task_id: taskId,
      from_chunk_index: from,
      wait_ms: options.waitMs ?? 5_000,
      ...(options.maxBytes !== undefined && { max_bytes: options.maxBytes }),
    });
    polls++;
    if (isError) throw new Error(`kiro_task_status failed: ${text}`);
    for (const chunk of data.new_chunks) {
      if (chunk.index !== chunks.length)
        throw new Error(`chunk ${chunk.index} arrived, expected ${chunks.length}`);
      chunks.push(chunk);
    }
    options.onPoll?.(data);
    from = data.next_chunk_index;
    if (data.is_done && !data.has_more) return { chunks, final: data, polls };
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${data.status} after the deadline`);
  }
}

export function textOf(chunks: StatusLike["new_chunks"]): string {
  return chunks
    .filter((chunk) => chunk.kind === "text")
    .map((chunk) => chunk.content)
    .join("");
}

/** Creates a session (throwing on an error result) and returns its id. */
export async function createSession(client: Client, args: Record<string, unknown> = {}): Promise<string> {
  const created = await callTool<{ session_id: string }>(client, "kiro_session_create", args);
  if (created.isError) throw new Error(`kiro_session_create failed: ${created.text}`);
  return created.data.session_id;
}

/** A session as kiro_session_create and kiro_session_list describe it. */
export interface SessionInfoLike {
  session_id: string;
  working_directory: string;
  state: "preparing" | "ready" | "failed";
  setup_task_id: string | null;
  failure: string | null;
  repository: { url: string; ref: string | null; commit: string } | null;
  workspace_notice: { at: string; text: string } | null;
}

/** The session as kiro_session_list shows it now. */
export async function sessionInfo(client: Client, sessionId: string): Promise<SessionInfoLike> {
  const listed = await callTool<{ sessions: SessionInfoLike[] }>(client, "kiro_session_list");
  const found = listed.data.sessions.find((session) => session.session_id === sessionId);
  if (found === undefined) throw new Error(`session ${sessionId} is not listed`);
  return found;
}

/**
 * Creates a session from a repository and waits until its setup task (the clone) has ended:
 * returns the setup task's last status and the session as listed then (ready, or failed).
 */
export async function createFromRepository(
  client: Client,
  args: Record<string, unknown>,
): Promise<{
  created: SessionInfoLike;
  setup: StatusLike;
  chunks: StatusLike["new_chunks"];
  session: SessionInfoLike;
}> {
  const result = await callTool<SessionInfoLike>(client, "kiro_session_create", args);
  if (result.isError) throw new Error(`kiro_session_create failed: ${result.text}`);
  const taskId = result.data.setup_task_id;
  if (taskId === null) throw new Error("a session from a repository has a setup task");
  const { final: setup, chunks } = await pollUntilDone(client, taskId);
  // The session turns ready (or failed) just after its setup task ends.
  for (let tries = 0; ; tries += 1) {
    const session = await sessionInfo(client, result.data.session_id);
    if (session.state !== "preparing" || tries >= 50) return { created: result.data, setup, chunks, session };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Started {
  task_id: string;
  session_id: string;
  status: string;
  view_url: string;
}

/** Starts a task with kiro_chat_async (throwing on an error result). */
export async function startTask(client: Client, message: string, sessionId?: string): Promise<Started> {
  const started = await callTool<Started>(client, "kiro_chat_async", { message, session_id: sessionId });
  if (started.isError) throw new Error(`kiro_chat_async failed: ${started.text}`);
  return started.data;
}
