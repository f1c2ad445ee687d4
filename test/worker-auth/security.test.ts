import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, type StatusLike } from "../helpers/mcp-client.ts";
import { TEST_ADMIN_TOKEN } from "../helpers/test-admin-token.ts";
import { connectAs, createToken, mcpPost, revokeToken, workerFetch } from "./auth.ts";

interface Alice {
  client: Client;
  sessionId: string;
  doneTask: string;
  hungTask: string;
  doneChunks: number;
}

let alice: Alice;
let bob: Client;
let bobToken: { token: string; id: string };

beforeAll(async () => {
  const aliceToken = await createToken("alice");
  bobToken = await createToken("bob");
  const client = await connectAs(aliceToken.token);
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create", {
    working_directory: "project",
  });
  const done = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message: "@lines 3",
    session_id: session.data.session_id,
  });
  const { chunks } = await pollUntilDone(client, done.data.task_id);
  const other = await callTool<{ session_id: string }>(client, "kiro_session_create");
  const hung = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message: "@hang",
    session_id: other.data.session_id,
  });
  alice = {
    client,
    sessionId: session.data.session_id,
    doneTask: done.data.task_id,
    hungTask: hung.data.task_id,
    doneChunks: chunks.length,
  };
  bob = await connectAs(bobToken.token);
});

afterAll(async () => {
  await callTool(alice.client, "kiro_task_cancel", { task_id: alice.hungTask });
  await alice.client.close();
  await bob.close();
});

/** Alice's data after each of Bob's attempts: unchanged. */
async function expectAliceUnchanged(): Promise<void> {
  const done = await callTool<StatusLike>(alice.client, "kiro_task_status", { task_id: alice.doneTask });
  expect(done.data.status).toBe("completed");
  expect(done.data.new_chunks).toHaveLength(alice.doneChunks);
  const hung = await callTool<StatusLike>(alice.client, "kiro_task_status", { task_id: alice.hungTask });
  expect(hung.data.status).toBe("running");
}

describe("user B against user A's ids", () => {
  const taskNotFound = (id: string) => `Task ${id} not found. Use kiro_task_list to see your tasks.`;
  const sessionNotFound = (id: string) =>
    `Session ${id} not found. Use kiro_session_list to see your sessions, or kiro_session_create to start one.`;

  /** [tool, arguments naming A's ids, the exact answer a nonexistent id gets] */
  type Attempt = [tool: string, args: () => Record<string, unknown>, expected: () => string];
  const attempts: Attempt[] = [
    ["kiro_task_status", () => ({ task_id: alice.doneTask }), () => taskNotFound(alice.doneTask)],
    [
      "kiro_task_status",
      () => ({ task_id: alice.hungTask, wait_ms: 100 }),
      () => taskNotFound(alice.hungTask),
    ],
    ["kiro_task_cancel", () => ({ task_id: alice.hungTask }), () => taskNotFound(alice.hungTask)],
    ["kiro_task_list", () => ({ session_id: alice.sessionId }), () => sessionNotFound(alice.sessionId)],
    [
      "kiro_chat_async",
      () => ({ message: "hi", session_id: alice.sessionId }),
      () => sessionNotFound(alice.sessionId),
    ],
    [
      "kiro_chat",
      () => ({ message: "hi", session_id: alice.sessionId }),
      () => sessionNotFound(alice.sessionId),
    ],
    ...[
      ["kiro_session_switch", {}],
      ["kiro_session_end", {}],
      ["kiro_session_clear", {}],
      ["kiro_session_save", { path: "stolen.md" }],
      ["kiro_history", {}],
      ["kiro_history_clear", {}],
      ["kiro_command", { command: "/usage" }],
      ["kiro_agents_list", {}],
    ].map(
      ([tool, extra]) =>
        [
          tool as string,
          () => ({ session_id: alice.sessionId, ...(extra as object) }),
          () => sessionNotFound(alice.sessionId),
        ] satisfies Attempt,
    ),
  ];

  it.each(attempts)("%s gets exactly the not-found a nonexistent id gets", async (tool, args, expected) => {
    const result = await callTool(bob, tool, args());
    expect(result.isError).toBe(true);
    expect(result.text).toBe(expected());
    await expectAliceUnchanged();
  });

  it("shows B only B's own sessions in kiro://sessions and kiro_pool_stats", async () => {
    const resource = await bob.readResource({ uri: "kiro://sessions" });
    expect(JSON.stringify(resource.contents)).not.toContain(alice.sessionId);
    const stats = await callTool<{ sessions: Array<{ session_id: string }> }>(bob, "kiro_pool_stats");
    expect(stats.data.sessions.map((s) => s.session_id)).not.toContain(alice.sessionId);
    await expectAliceUnchanged();
  });

  it("lists only B's own sessions and tasks", async () => {
    const sessions = await callTool<{ sessions: Array<{ session_id: string }> }>(bob, "kiro_session_list");
    expect(sessions.data.sessions.map((s) => s.session_id)).not.toContain(alice.sessionId);
    const tasks = await callTool<{ tasks: Array<{ task_id: string }> }>(bob, "kiro_task_list", {
      include_done: true,
    });
    const ids = tasks.data.tasks.map((t) => t.task_id);
    expect(ids).not.toContain(alice.doneTask);
    expect(ids).not.toContain(alice.hungTask);
  });
});

describe("tokens", () => {
  const listTools = (headers: Record<string, string>) =>
    mcpPost({ jsonrpc: "2.0", id: 1, method: "tools/list" }, headers);

  it.each([
    ["no Authorization header", {}],
    ["a Basic header", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
    ["an empty Bearer", { authorization: "Bearer" }],
    ["a malformed token", { authorization: "Bearer not-a-token" }],
    ["a token of another deployment", { authorization: `Bearer kiro_${"A".repeat(43)}` }],
  ])("refuses %s with 401 and a Bearer challenge", async (_name, headers) => {
    const response = await listTools(headers);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const body = (await response.json()) as { error: string };
    expect(body.error).toBe("invalid_token");
    expect(JSON.stringify(body)).not.toMatch(/alice|bob|user/i);
  });

  it("refuses a revoked token from the next request on", async () => {
    const carol = await createToken("carol");
    expect((await listTools({ authorization: `Bearer ${carol.token}` })).status).toBe(200);
    await revokeToken(carol.id);
    const response = await listTools({ authorization: `Bearer ${carol.token}` });
    expect(response.status).toBe(401);
  });

  it("ends local mode once tokens exist: loopback without a token is refused", async () => {
    expect((await listTools({})).status).toBe(401);
  });

  it("guards the admin API with the admin token", async () => {
    const body = JSON.stringify({ user_id: "mallory", hash: "0".repeat(64) });
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${bobToken.token}`]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers.authorization = authorization;
      const response = await workerFetch("http://localhost/admin/tokens", { method: "POST", headers, body });
      expect(response.status).toBe(401);
    }
    const bad = await workerFetch("http://localhost/admin/tokens", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: "../../etc", hash: "0".repeat(64) }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("input limits", () => {
  it("refuses an oversized message and changes nothing", async () => {
    const result = await callTool(bob, "kiro_chat_async", { message: "x".repeat(256 * 1024 + 1) });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("256 KiB");
  });

  it("refuses an oversized request body with 413", async () => {
    const huge = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "kiro_chat_async", arguments: { message: "x".repeat(3 * 1024 * 1024) } },
    };
    const response = await mcpPost(huge, { authorization: `Bearer ${bobToken.token}` });
    expect(response.status).toBe(413);
  });

  it.each([
    ["a parent escape", "../outside"],
    ["an absolute path outside the workspace", "/etc"],
    ["a symlink out of the workspace", "link-out"],
  ])("refuses a working directory through %s", async (_name, working_directory) => {
    const result = await callTool(bob, "kiro_session_create", { working_directory });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/outside|escape/i);
  });
});
