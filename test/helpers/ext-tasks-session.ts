/**
 * The official Tasks requester (@modelcontextprotocol/ext-tasks/client) over the SDK v2 client,
 * pinned to protocol revision 2026-07-28, as a task-aware application would use it. The package
 * needs a raw request path for the extension's methods (the SDK's codecs refuse tasks/* on the
 * 2026 wire): `rawDispatch` posts the request it frames, with the standard headers.
 *
 *   const tasks = await extTasksSession(url, { onInput: async (request) => ({ action: "accept" }) });
 *   const execution = await tasks.session.callTool("kiro_chat", { message });
 *   const { outcome } = await execution.settle();
 *   await tasks.close();
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  type ApplicationElicitResult,
  createTaskSessionFromClient,
  type JsonRpcResponse,
  type RawClientDispatch,
  type TaskEnabledSession,
} from "@modelcontextprotocol/ext-tasks/client";
import type { JsonValue } from "@modelcontextprotocol/ext-tasks/core";

const PROTOCOL_VERSION = "2026-07-28";
const CLIENT_INFO = { name: "kiro-mcp-edge-tests", version: "0.0.0" };

export interface ExtTasksSession {
  session: TaskEnabledSession;
  close(): Promise<void>;
}

/** Elicitations the server asks for during a task go to `onInput`. */
export async function extTasksSession(
  url: string,
  options: { onInput: (params: Readonly<Record<string, JsonValue>>) => Promise<ApplicationElicitResult> },
): Promise<ExtTasksSession> {
  const capabilities = { elicitation: {} };
  const client = new Client(CLIENT_INFO, {
    capabilities,
    versionNegotiation: { mode: { pin: PROTOCOL_VERSION } },
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const session = createTaskSessionFromClient(client, {
    endpointId: url,
    rawDispatch: rawDispatch(url),
    v2RequestFraming: {
      protocolVersion: PROTOCOL_VERSION,
      clientInfo: CLIENT_INFO,
      clientCapabilities: capabilities,
    },
    onInputRequest: async (request) => {
      if (request.kind !== "elicitation") throw new Error(`unexpected input request: ${request.kind}`);
      return (await options.onInput(request.params)) as never;
    },
  });
  return {
    session,
    close: async () => {
      await session.close();
      await client.close();
    },
  };
}

let nextId = 1;

function rawDispatch(url: string): RawClientDispatch {
  return async (request, dispatchOptions) => {
    const message = request as { method: string; params?: { name?: unknown; taskId?: unknown } };
    const name = message.params?.name ?? message.params?.taskId;
    const headers = new Headers({
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": PROTOCOL_VERSION,
      "mcp-method": message.method,
      ...(typeof name === "string" && { "mcp-name": name }),
    });
    for (const [header, value] of Object.entries(dispatchOptions?.context?.headers ?? {}))
      headers.set(header, value);
    const body = JSON.stringify({ jsonrpc: "2.0", id: `ext-${nextId++}`, ...(request as object) });
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: dispatchOptions?.signal ?? null,
    });
    return replyOf(await response.text(), response.headers.get("content-type") ?? "");
  };
}

function replyOf(text: string, contentType: string): JsonRpcResponse {
  const messages = contentType.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, JsonValue>)
    : [JSON.parse(text) as Record<string, JsonValue>];
  const reply = messages.find((message) => "result" in message || "error" in message);
  if (reply === undefined) throw new Error(`no JSON-RPC response in: ${text.slice(0, 300)}`);
  return "error" in reply
    ? ({ kind: "error", error: reply.error } as JsonRpcResponse)
    : { kind: "result", result: reply.result as JsonValue };
}
