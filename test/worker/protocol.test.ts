/**
 * What the server tells clients about itself and how it answers protocol-level mistakes: each
 * tool's hints say what it can do to the user's world, the capabilities promise nothing a
 * stateless server cannot deliver, and malformed params, sent as raw JSON-RPC, get -32602 with a
 * one-line message instead of -32603 and a validation dump.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, it } from "vitest";
import { connectEachTest, MCP_URL, workerFetch } from "./mcp.ts";

const HEADERS: Record<string, string> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

/** The single JSON-RPC message /mcp answers `message` with (JSON or one SSE event). */
async function rpc(message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await workerFetch(MCP_URL, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
  });
  const text = await response.text();
  const body = (response.headers.get("content-type") ?? "").includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length))
        .join("")
    : text;
  return JSON.parse(body) as Record<string, unknown>;
}

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

describe("tool annotations", () => {
  const hints = (readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean) => ({
    readOnlyHint: readOnly,
    destructiveHint: destructive,
    idempotentHint: idempotent,
    openWorldHint: openWorld,
  });
  const READ = hints(true, false, true, false);

  it("tell the truth about every tool", async () => {
    const { tools } = await client.listTools();
    const annotations = Object.fromEntries(
      tools.map((tool) => {
        const { title: _title, ...rest } = tool.annotations ?? {};
        return [tool.name, rest];
      }),
    );
    expect(annotations).toEqual({
      // Kiro edits and deletes files and runs commands (trust is `all` in the container), and
      // can reach the network.
      kiro_chat: hints(false, true, false, true),
      kiro_chat_async: hints(false, true, false, true),
      // Any slash command, including ones that clear the conversation.
      kiro_command: hints(false, true, false, true),
      // Clones any repository it is given.
      kiro_session_create: hints(false, false, false, true),
      // Deletes the session's tasks, output and history; ending it again changes nothing more.
      kiro_session_end: hints(false, true, true, false),
      kiro_session_clear: hints(false, true, true, false),
      kiro_history_clear: hints(false, true, true, false),
      // Overwrites the file it writes.
      kiro_session_save: hints(false, true, true, false),
      kiro_session_switch: hints(false, false, true, false),
      kiro_task_cancel: hints(false, true, true, false),
      kiro_agents_list: READ,
      kiro_history: READ,
      kiro_pool_stats: READ,
      kiro_session_list: READ,
      kiro_task_list: READ,
      kiro_task_status: READ,
      kiro_workspace_diff: READ,
      // Creates a branch on the user's remote; never overwrites one, so nothing is destroyed.
      kiro_workspace_push: hints(false, false, false, true),
    });
  });
});

describe("capabilities", () => {
  it("do not advertise list_changed notifications, which a stateless server never sends", async () => {
    const reply = await rpc({
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    const capabilities = (reply.result as { capabilities: Record<string, Record<string, unknown>> })
      .capabilities;
    expect(Object.keys(capabilities)).toEqual(expect.arrayContaining(["tools", "resources", "prompts"]));
    for (const [name, capability] of Object.entries(capabilities)) {
      expect(capability.listChanged ?? false, name).toBe(false);
    }
    expect(client.getServerCapabilities()?.tools?.listChanged ?? false).toBe(false);
  });
});

describe("malformed params", () => {
  it.each([
    ["tools/list with a numeric cursor", "tools/list", { cursor: 5 }, "cursor must be a string"],
    ["resources/list with an object cursor", "resources/list", { cursor: {} }, "cursor must be a string"],
    ["prompts/list with a null cursor", "prompts/list", { cursor: null }, "cursor must be a string"],
    ["resources/read without a uri", "resources/read", {}, "uri is required"],
    ["resources/read with a numeric uri", "resources/read", { uri: 42 }, "uri must be a string"],
    ["prompts/get without a name", "prompts/get", {}, "name is required"],
    [
      "prompts/get with a numeric argument",
      "prompts/get",
      { name: "kiro_review", arguments: { focus: 1 } },
      "arguments.focus must be a string",
    ],
  ])("answers %s with -32602 and a one-line reason", async (_name, method, params, reason) => {
    const reply = await rpc({ method, params });
    expect(reply.error).toEqual({ code: -32602, message: `Invalid params for ${method}: ${reason}` });
  });

  it.each(["tools/list", "resources/list", "resources/templates/list", "prompts/list"])(
    "answers %s with a cursor it never handed out with -32602",
    async (method) => {
      const reply = await rpc({ method, params: { cursor: "bogus" } });
      expect(reply.error).toEqual({
        code: -32602,
        message: `Invalid params for ${method}: unknown cursor (every list comes in one page, without nextCursor)`,
      });
    },
  );

  it("still answers well-formed list and read requests, with or without params and _meta", async () => {
    for (const params of [undefined, {}, { _meta: { progressToken: 1 } }]) {
      const reply = await rpc({ method: "tools/list", ...(params === undefined ? {} : { params }) });
      expect((reply.result as { tools: unknown[] }).tools.length, JSON.stringify(params)).toBeGreaterThan(0);
      expect((reply.result as { nextCursor?: string }).nextCursor).toBeUndefined();
    }
    const read = await rpc({ method: "resources/read", params: { uri: "kiro://config" } });
    expect((read.result as { contents: unknown[] }).contents).toHaveLength(1);
    const prompt = await rpc({ method: "prompts/get", params: { name: "kiro_review", arguments: {} } });
    expect((prompt.result as { messages: unknown[] }).messages.length).toBeGreaterThan(0);
  });
});
