/**
 * Malformed requests to /mcp, sent as raw HTTP to the Worker (and through the MCP client where a
 * client would send them): each gets the exact status and error shape of the MCP SDK server or of
 * our tools, and none of them disturbs a chatty task running alongside.
 *
 * What the server does with input that is odd rather than wrong is decided here:
 * - unknown tool arguments are ignored (zod strips them), so clients that add fields keep working;
 * - JSON-RPC batches are answered element by element (the SDK's legacy lane still accepts them);
 * - an `Mcp-Session-Id` header is ignored: the server is stateless, sessions are tool arguments;
 * - text that is not valid Unicode is refused, never repaired: a body with invalid UTF-8 bytes gets
 *   a JSON-RPC parse error, a message with a lone surrogate a tool error; a NUL reaches kiro-cli.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";
import { connect, MCP_URL, workerFetch } from "./mcp.ts";

const PROTOCOL_VERSION = "2025-06-18";
const HEADERS: Record<string, string> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": PROTOCOL_VERSION,
};
const CHATTY_LINES = 40;
const MB = 1024 * 1024;

interface Reply {
  status: number;
  contentType: string;
  /** The JSON-RPC messages of the body: one JSON document, or the `data:` lines of an SSE stream. */
  messages: unknown[];
}

/** Sends `body` to /mcp with the usual MCP headers, `headers` applied over them. */
async function send(
  body: BodyInit | null,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<Reply> {
  const response = await workerFetch(MCP_URL, { method, headers: { ...HEADERS, ...headers }, body });
  const contentType = response.headers.get("content-type") ?? "";
  const text = await response.text();
  let messages: unknown[] = [];
  if (contentType.includes("text/event-stream")) {
    messages = text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice("data: ".length)) as unknown);
  } else if (text !== "") {
    const parsed = JSON.parse(text) as unknown;
    messages = Array.isArray(parsed) ? parsed : [parsed];
  }
  return { status: response.status, contentType, messages };
}

function rpcError(code: number, message: string, id: number | null = null) {
  return { jsonrpc: "2.0", error: { code, message }, id };
}

/** A tools/call request as raw JSON text, `args` spliced in verbatim (so it may hold 1e309). */
function toolCall(name: string, args: string, id = 7): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${args}}}`;
}

/** A kiro_task_status call with raw JSON `args`. */
function status(args: string): string {
  return toolCall("kiro_task_status", args);
}

/** The one JSON-RPC message a tools/call got back over SSE, with status 200. */
async function callRaw(body: BodyInit): Promise<Record<string, unknown>> {
  const reply = await send(body);
  expect(reply.status).toBe(200);
  expect(reply.contentType).toContain("text/event-stream");
  expect(reply.messages).toHaveLength(1);
  return reply.messages[0] as Record<string, unknown>;
}

/** The isError text of a tool result that must be an error, and nothing else. */
async function toolErrorText(body: BodyInit): Promise<string> {
  const message = await callRaw(body);
  expect(message).toMatchObject({ jsonrpc: "2.0", id: 7, result: { isError: true } });
  const result = message.result as {
    content: Array<{ type: string; text: string }>;
    structuredContent?: unknown;
  };
  expect(result.structuredContent).toBeUndefined();
  expect(result.content).toHaveLength(1);
  return result.content[0]?.text ?? "";
}

/** `Invalid tools/call request: <zod issues>` from the SDK, split back into its issues. */
function invalidToolsCallIssues(message: unknown): unknown {
  const error = (message as { error: { code: number; message: string } }).error;
  expect(error.code).toBe(-32602);
  const prefix = "Invalid tools/call request: ";
  expect(error.message.startsWith(prefix)).toBe(true);
  return JSON.parse(error.message.slice(prefix.length));
}

let client: Client;
let chatty: { task_id: string; session_id: string };

beforeAll(async () => {
  client = await connect();
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
  expect(session.isError, session.text).toBe(false);
  const started = await callTool<{ task_id: string; session_id: string; status: string }>(
    client,
    "kiro_chat_async",
    { message: `@lines ${CHATTY_LINES}\n@delay 50`, session_id: session.data.session_id },
  );
  expect(started.isError, started.text).toBe(false);
  expect(started.data.status).toBe("running");
  chatty = started.data;
});
afterAll(async () => {
  await client?.close();
});

describe("JSON-RPC envelope", () => {
  const tasksList = (extra: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: "2.0", method: "tools/list", ...extra });
  const notJsonRpc = "Bad Request: the request body is not a valid JSON-RPC message";
  it.each([
    ["invalid JSON", "{not json", rpcError(-32700, "Parse error: Invalid JSON")],
    ["an empty body", "", rpcError(-32700, "Parse error: Invalid JSON")],
    [
      "a NaN literal (not JSON)",
      toolCall("kiro_task_status", '{"task_id":"x","wait_ms":NaN}'),
      rpcError(-32700, "Parse error: Invalid JSON"),
    ],
    [
      "bytes that are not UTF-8 where JSON syntax belongs",
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      rpcError(-32700, "Parse error: the request body is not valid UTF-8."),
    ],
    ["no jsonrpc member", JSON.stringify({ id: 1, method: "tools/list" }), rpcError(-32600, notJsonRpc, 1)],
    ['jsonrpc "1.0"', tasksList({ jsonrpc: "1.0", id: 1 }), rpcError(-32600, notJsonRpc, 1)],
    ["no method", JSON.stringify({ jsonrpc: "2.0", id: 1 }), rpcError(-32600, notJsonRpc)],
    [
      "a method that is a number",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: 5 }),
      rpcError(-32600, notJsonRpc),
    ],
    ["an object id", tasksList({ id: { a: 1 } }), rpcError(-32600, notJsonRpc)],
    ["a boolean id", tasksList({ id: true }), rpcError(-32600, notJsonRpc)],
    ["a null id", tasksList({ id: null }), rpcError(-32600, notJsonRpc)],
    ["a JSON string", '"tools/list"', rpcError(-32600, notJsonRpc)],
    ["a JSON number", "42", rpcError(-32600, notJsonRpc)],
    ["JSON null", "null", rpcError(-32600, notJsonRpc)],
    ["an empty batch", "[]", rpcError(-32600, "Bad Request: empty JSON-RPC batch")],
    [
      "a batch with a bad element",
      `[${tasksList({ id: 1 })}, {"id": 2}]`,
      rpcError(-32600, "Bad Request: JSON-RPC batch contains an invalid message"),
    ],
    [
      "100 000 nested arrays",
      `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      rpcError(-32600, "Bad Request: JSON-RPC batch contains an invalid message"),
    ],
  ])("answers %s with 400 and a JSON-RPC error", async (_name, body, expected) => {
    const reply = await send(body);
    expect(reply.status).toBe(400);
    expect(reply.contentType).toContain("application/json");
    expect(reply.messages).toEqual([expected]);
  });

  it("answers an unknown method with -32601 Method not found", async () => {
    const message = await callRaw(
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "no/such/method", params: {} }),
    );
    expect(message).toEqual({ jsonrpc: "2.0", id: 3, error: { code: -32601, message: "Method not found" } });
  });

  it("answers a batch element by element", async () => {
    const reply = await send(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "ping" },
        { jsonrpc: "2.0", id: "two", method: "ping" },
      ]),
    );
    expect(reply.status).toBe(200);
    expect(reply.messages).toEqual([
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", id: "two", result: {} },
    ]);
  });

  it.each([
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }],
    [
      "a cancellation of a request that does not exist",
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } },
    ],
    ["a response nobody asked for", { jsonrpc: "2.0", id: 5, result: {} }],
  ])("accepts %s with 202 and no body", async (_name, message) => {
    const reply = await send(JSON.stringify(message));
    expect(reply).toEqual({ status: 202, contentType: "", messages: [] });
  });
});

describe("HTTP", () => {
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

  it.each(["GET", "DELETE", "PUT", "PATCH"])("answers %s /mcp with 405", async (method) => {
    const reply = await send(method === "GET" || method === "DELETE" ? null : list, {}, method);
    expect(reply.status).toBe(405);
    expect(reply.messages).toEqual([rpcError(-32000, "Method not allowed.")]);
  });

  it.each([
    ["text/html", "text/html"],
    ["JSON only", "application/json"],
    ["SSE only", "text/event-stream"],
  ])("answers an Accept header of %s with 406", async (_name, accept) => {
    const reply = await send(list, { accept });
    expect(reply.status).toBe(406);
    expect(reply.messages).toEqual([
      rpcError(-32000, "Not Acceptable: Client must accept both application/json and text/event-stream"),
    ]);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded"])(
    "answers Content-Type %s with 415",
    async (type) => {
      const reply = await send(list, { "content-type": type });
      expect(reply.status).toBe(415);
      expect(reply.messages).toEqual([
        rpcError(-32000, "Unsupported Media Type: Content-Type must be application/json"),
      ]);
    },
  );

  it("answers an unsupported MCP-Protocol-Version with 400", async () => {
    const reply = await send(list, { "mcp-protocol-version": "1999-01-01" });
    expect(reply.status).toBe(400);
    expect(reply.messages).toEqual([
      rpcError(
        -32000,
        "Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)",
      ),
    ]);
  });

  it("answers a 2026-07-28 request without its _meta envelope with 400 -32602", async () => {
    const reply = await send(list, { "mcp-protocol-version": "2026-07-28" });
    expect(reply.status).toBe(400);
    expect(reply.messages).toEqual([
      {
        jsonrpc: "2.0",
        id: 1,
        error: {
          code: -32602,
          message:
            "Invalid params: the MCP-Protocol-Version header names protocol revision 2026-07-28, but the request is missing the required per-request envelope key(s): _meta",
          data: { envelope: { missing: ["_meta"] } },
        },
      },
    ]);
  });

  it("answers an empty Host header with 403", async () => {
    const reply = await send(list, { host: "" });
    expect(reply.status).toBe(403);
    expect(reply.messages).toEqual([rpcError(-32000, "Missing Host header")]);
  });

  const tooLarge = {
    error: { code: "body_too_large", message: `Request bodies are limited to ${2 * MB} bytes.` },
  };

  it("answers a 10 MB body with 413", async () => {
    const reply = await send(toolCall("kiro_chat_async", JSON.stringify({ message: "x".repeat(10 * MB) })));
    expect(reply.status).toBe(413);
    expect(reply.messages).toEqual([tooLarge]);
  });

  it("answers a 10 MB body streamed without Content-Length with 413", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(MB).fill(0x20));
        controller.close();
      },
    });
    const response = await workerFetch(MCP_URL, {
      method: "POST",
      headers: HEADERS,
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(tooLarge);
  });

  it("ignores an Mcp-Session-Id header of any shape: the server is stateless", async () => {
    const reply = await send(list, { "mcp-session-id": "../../not-a-session' OR 1=1" });
    expect(reply.status).toBe(200);
    const tools = (reply.messages[0] as { result: { tools: Array<{ name: string }> } }).result.tools;
    expect(tools.map((tool) => tool.name)).toContain("kiro_task_status");
  });
});

describe("tools/call envelope", () => {
  it("answers an unknown tool with -32602", async () => {
    const message = await callRaw(toolCall("kiro_no_such_tool", "{}"));
    expect(message).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32602, message: "Tool kiro_no_such_tool not found" },
    });
  });

  it("answers a 100 KB tool name with -32602 (the SDK echoes the name)", async () => {
    const name = "k".repeat(100 * 1024);
    const message = await callRaw(toolCall(name, "{}"));
    expect(message).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32602, message: `Tool ${name} not found` },
    });
  });

  it("throws an McpError for an unknown tool through the MCP client", async () => {
    await expect(client.callTool({ name: "kiro_no_such_tool", arguments: {} })).rejects.toThrow(
      "MCP error -32602: Tool kiro_no_such_tool not found",
    );
  });

  it.each([
    ["a numeric tool name", '{"name":5,"arguments":{}}', ["params", "name"], "string", "number"],
    [
      "null arguments",
      '{"name":"kiro_task_status","arguments":null}',
      ["params", "arguments"],
      "record",
      "null",
    ],
    [
      "array arguments",
      '{"name":"kiro_task_status","arguments":[1]}',
      ["params", "arguments"],
      "record",
      "array",
    ],
    [
      "string arguments",
      '{"name":"kiro_task_status","arguments":"task_x"}',
      ["params", "arguments"],
      "record",
      "string",
    ],
  ])("answers %s with -32602 naming the field", async (_name, params, path, expected, received) => {
    const message = await callRaw(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":${params}}`);
    expect(message).toMatchObject({ jsonrpc: "2.0", id: 7 });
    expect(invalidToolsCallIssues(message)).toEqual([
      {
        expected,
        code: "invalid_type",
        path,
        message: `Invalid input: expected ${expected}, received ${received}`,
      },
    ]);
  });

  it("answers tools/call without params with -32602", async () => {
    const message = await callRaw('{"jsonrpc":"2.0","id":7,"method":"tools/call"}');
    expect(invalidToolsCallIssues(message)).toEqual([
      {
        expected: "object",
        code: "invalid_type",
        path: ["params"],
        message: "Invalid input: expected object, received undefined",
      },
    ]);
  });
});

describe("tool arguments", () => {
  const invalid = (tool: string, detail: string) =>
    `Input validation error: Invalid arguments for tool ${tool}: ${detail}`;

  it.each([
    [
      "no arguments to kiro_chat_async",
      toolCall("kiro_chat_async", "{}"),
      invalid("kiro_chat_async", "message: Invalid input: expected string, received undefined"),
    ],
    [
      "a number for message",
      toolCall("kiro_chat_async", '{"message":42}'),
      invalid("kiro_chat_async", "message: Invalid input: expected string, received number"),
    ],
    [
      "an array for message",
      toolCall("kiro_chat", '{"message":["do","it"]}'),
      invalid("kiro_chat", "message: Invalid input: expected string, received array"),
    ],
    [
      "no task_id",
      status("{}"),
      invalid("kiro_task_status", "task_id: Invalid input: expected string, received undefined"),
    ],
    [
      "a string for from_chunk_index",
      status('{"task_id":"x","from_chunk_index":"5"}'),
      invalid("kiro_task_status", "from_chunk_index: Invalid input: expected number, received string"),
    ],
    [
      "a negative from_chunk_index",
      status('{"task_id":"x","from_chunk_index":-1}'),
      invalid("kiro_task_status", "from_chunk_index: Too small: expected number to be >=0"),
    ],
    [
      "a fractional from_chunk_index",
      status('{"task_id":"x","from_chunk_index":1.5}'),
      invalid("kiro_task_status", "from_chunk_index: Invalid input: expected int, received number"),
    ],
    [
      "a huge from_chunk_index (2^60)",
      status('{"task_id":"x","from_chunk_index":1152921504606846976}'),
      invalid(
        "kiro_task_status",
        "from_chunk_index: Too big: expected int to be <=9007199254740991, from_chunk_index: Too big: expected number to be <=9007199254740991",
      ),
    ],
    [
      'wait_ms "NaN"',
      status('{"task_id":"x","wait_ms":"NaN"}'),
      invalid("kiro_task_status", "wait_ms: Invalid input: expected number, received string"),
    ],
    [
      "wait_ms 1e309 (Infinity)",
      status('{"task_id":"x","wait_ms":1e309}'),
      invalid("kiro_task_status", "wait_ms: Invalid input: expected number, received Infinity"),
    ],
    [
      "wait_ms -1",
      status('{"task_id":"x","wait_ms":-1}'),
      invalid("kiro_task_status", "wait_ms: Too small: expected number to be >=0"),
    ],
    [
      "wait_ms 25001",
      status('{"task_id":"x","wait_ms":25001}'),
      invalid("kiro_task_status", "wait_ms: Too big: expected number to be <=25000"),
    ],
    [
      "wait_ms 0.5",
      status('{"task_id":"x","wait_ms":0.5}'),
      invalid("kiro_task_status", "wait_ms: Invalid input: expected int, received number"),
    ],
    [
      "a 10 KB task id",
      status(JSON.stringify({ task_id: "t".repeat(10_240) })),
      invalid("kiro_task_status", "task_id: Too big: expected string to have <=200 characters"),
    ],
    [
      "a 10 KB session id",
      toolCall("kiro_chat_async", JSON.stringify({ message: "hi", session_id: "s".repeat(10_240) })),
      invalid("kiro_chat_async", "session_id: Too big: expected string to have <=100 characters"),
    ],
    [
      "a string for include_done",
      toolCall("kiro_task_list", '{"include_done":"yes"}'),
      invalid("kiro_task_list", "include_done: Invalid input: expected boolean, received string"),
    ],
  ])("refuses %s with isError and the field at fault", async (_name, body, expected) => {
    expect(await toolErrorText(body)).toBe(expected);
  });
});

describe("ids", () => {
  const notFound = (taskId: string) => `Task ${taskId} not found. Use kiro_task_list to see your tasks.`;
  const noSession = (sessionId: string) =>
    `Session ${sessionId} not found. Use kiro_session_list to see your sessions, or kiro_session_create to start one.`;

  it.each([
    ["path characters", "../../../etc/passwd"],
    ["SQL", "task_'; DROP TABLE tasks; --"],
    ["SQL in both halves", "task_x' OR '1'='1_y' OR '1'='1"],
    ["NUL and a lone surrogate", "task_\u0000_\ud800"],
    ["exactly 200 characters", `task_${"a".repeat(195)}`],
  ])("answers a task id with %s with not found, for status and cancel", async (_name, taskId) => {
    for (const tool of ["kiro_task_status", "kiro_task_cancel"]) {
      const result = await callTool(client, tool, { task_id: taskId });
      expect(result.isError, tool).toBe(true);
      expect(result.text, tool).toBe(notFound(taskId));
    }
  });

  it("answers a made-up task in a real session with not found", async () => {
    const taskId = `${chatty.task_id.slice(0, chatty.task_id.lastIndexOf("_"))}_aaaaaaaaaaaaaaaaaaaaaaaaaa`;
    const result = await callTool(client, "kiro_task_status", { task_id: taskId });
    expect(result).toMatchObject({ isError: true, text: notFound(taskId) });
  });

  it.each([
    ["path characters", "../../etc"],
    ["SQL", "sess_' OR 1=1 --"],
    ["another user's shape", "user:other/sess_abc"],
    ["the chatty task's id", "TASK"],
  ])("answers a session id with %s with not found", async (_name, raw) => {
    const sessionId = raw === "TASK" ? chatty.task_id : raw;
    for (const [tool, args] of [
      ["kiro_chat_async", { message: "hi", session_id: sessionId }],
      ["kiro_task_list", { session_id: sessionId }],
    ] as const) {
      const result = await callTool(client, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(result.text, tool).toBe(noSession(sessionId));
    }
  });
});

describe("odd but accepted", () => {
  it("ignores unknown arguments", async () => {
    const plain = await callTool<StatusLike>(client, "kiro_task_status", { task_id: chatty.task_id });
    const extra = await callTool<StatusLike>(client, "kiro_task_status", {
      task_id: chatty.task_id,
      bogus: { deep: [1, 2, 3] },
      from_chunk_index: 0,
    });
    expect(plain.isError, plain.text).toBe(false);
    expect(extra.isError, extra.text).toBe(false);
    expect(extra.data.task_id).toBe(chatty.task_id);
    expect(extra.data.new_chunks.length).toBeGreaterThanOrEqual(plain.data.new_chunks.length);
  });

  it("ignores an unknown argument nested 100 000 levels deep", async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    expect(await toolErrorText(status(`{"task_id":"x","extra":${deep}}`))).toBe(
      "Task x not found. Use kiro_task_list to see your tasks.",
    );
  });

  it("refuses a second message for the busy session and keeps its one task", async () => {
    const result = await callTool(client, "kiro_chat_async", {
      message: "hello",
      session_id: chatty.session_id,
    });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      `Session ${chatty.session_id} is busy with task ${chatty.task_id}. Wait for it, cancel it with kiro_task_cancel, or create another session.`,
    );
  });

  /** Sends `message` (raw JSON string text, escapes and all) to a fresh session; returns what kiro-cli echoed. */
  async function echoed(messageJson: string | Uint8Array): Promise<string> {
    const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
    const prefix = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"kiro_chat_async","arguments":{"session_id":"${session.data.session_id}","message":`;
    const suffix = "}}}";
    const body =
      typeof messageJson === "string"
        ? `${prefix}${messageJson}${suffix}`
        : new Uint8Array([
            ...new TextEncoder().encode(prefix),
            ...messageJson,
            ...new TextEncoder().encode(suffix),
          ]);
    const started = await callRaw(body);
    const taskId = (started as { result: { structuredContent: { task_id: string } } }).result
      .structuredContent.task_id;
    const { chunks, final } = await pollUntilDone(client, taskId);
    expect(final.status).toBe("completed");
    return (
      textOf(chunks)
        .split("\n")
        .find((line) => line.startsWith("Kiro: ")) ?? ""
    );
  }

  it("passes a NUL in the message to kiro-cli unchanged", async () => {
    // The stub counts 11 characters; its echo of the NUL is removed from the output as a control character.
    expect(await echoed('"hello\\u0000world"')).toBe("Kiro: I read your message (11 chars): helloworld");
  });

  it("refuses a lone surrogate in the message with a clear error", async () => {
    const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
    const args = `{"session_id":"${session.data.session_id}","message":"a\\ud800b"}`;
    expect(await toolErrorText(toolCall("kiro_chat_async", args))).toContain("not valid Unicode");
  });

  it("refuses bytes that are not UTF-8 inside the message with a parse error", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode(toolCall("kiro_chat_async", '{"message":"bad ').slice(0, -2)),
      0xff,
      0xfe,
      ...new TextEncoder().encode(' bytes"}}}'),
    ]);
    const reply = await send(bytes);
    expect(reply.status).toBe(400);
    expect(reply.messages).toEqual([rpcError(-32700, "Parse error: the request body is not valid UTF-8.")]);
  });
});

describe("after the matrix", () => {
  it("still serves /health", async () => {
    const response = await workerFetch("http://localhost/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, runner: { reachable: true } });
  });

  it("finished the chatty task with every line, in order, once", async () => {
    const { chunks, final } = await pollUntilDone(client, chatty.task_id, { waitMs: 2_000 });
    expect(final.status).toBe("completed");
    expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
    const expected = Array.from({ length: CHATTY_LINES }, (_, i) => `line ${i + 1}\n`).join("");
    expect(textOf(chunks)).toBe(expected);
    expect(final.result).toBe(expected);
    const tasks = await callTool<{ tasks: Array<{ task_id: string }> }>(client, "kiro_task_list", {
      session_id: chatty.session_id,
      include_done: true,
    });
    expect(tasks.data.tasks.map((task) => task.task_id)).toEqual([chatty.task_id]);
  });
});
