import { env, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionIdOfTask, sessionObjectName } from "../../src/ids.ts";
import { callTool, pollUntilDone, type StatusLike } from "../helpers/mcp-client.ts";
import { tasksClient } from "../helpers/tasks-client.ts";
import { TEST_ADMIN_TOKEN } from "../helpers/test-admin-token.ts";
import { MCP_URL } from "../worker/mcp.ts";
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
  // Ended, not only cancelling: no file leaves a turn streaming into the next one.
  await callTool(alice.client, "kiro_task_cancel", { task_id: alice.hungTask });
  await pollUntilDone(alice.client, alice.hungTask);
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

const taskNotFound = (id: string) => `Task ${id} not found. Use kiro_task_list to see your tasks.`;

/** What the session object `user:<userId>/<the task's session>` holds, looked at from inside it. */
async function storageOf(userId: string, taskId: string) {
  const sessionId = sessionIdOfTask(taskId) ?? "";
  const stub = env.KIRO_SESSION.getByName(sessionObjectName(userId, sessionId));
  return runInDurableObject(stub, async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((row) => row.name),
    keys: (await state.storage.list()).size,
    alarm: await state.storage.getAlarm(),
  }));
}

describe("user B against user A's ids", () => {
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

  it("answers a foreign task id from an object of B's that stays empty: no tables, no alarm", async () => {
    const unknown = `${alice.hungTask.slice(0, -1)}${alice.hungTask.endsWith("a") ? "b" : "a"}`;
    for (const [tool, taskId] of [
      ["kiro_task_status", alice.doneTask],
      ["kiro_task_status", unknown],
      ["kiro_task_cancel", alice.hungTask],
    ] as const) {
      const result = await callTool(bob, tool, { task_id: taskId });
      expect(result.text).toBe(taskNotFound(taskId));
    }
    for (const taskId of [alice.doneTask, alice.hungTask]) {
      expect(await storageOf("bob", taskId)).toEqual({ tables: [], keys: 0, alarm: null });
    }
    await expectAliceUnchanged();
  });

  it.each(["tasks/get", "tasks/update", "tasks/cancel"])(
    "%s (Tasks extension) gets exactly the -32602 a nonexistent id gets",
    async (method) => {
      const asBob = tasksClient(MCP_URL, (input, init) => {
        const request = new Request(input, init);
        request.headers.set("authorization", `Bearer ${bobToken.token}`);
        return workerFetch(request);
      });
      for (const taskId of [alice.doneTask, alice.hungTask]) {
        const params = method === "tasks/update" ? { taskId, inputResponses: {} } : { taskId };
        expect(await asBob.call(method, params)).toEqual({
          error: { code: -32602, message: taskNotFound(taskId) },
        });
      }
      await expectAliceUnchanged();
    },
  );

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

describe("an ended session's tasks", () => {
  it("answer not-found to their owner, and the session's object keeps nothing", async () => {
    const session = await callTool<{ session_id: string }>(alice.client, "kiro_session_create");
    const task = await callTool<{ task_id: string }>(alice.client, "kiro_chat_async", {
      message: "@lines 2",
      session_id: session.data.session_id,
    });
    await pollUntilDone(alice.client, task.data.task_id);
    await callTool(alice.client, "kiro_session_end", { session_id: session.data.session_id });
    for (const tool of ["kiro_task_status", "kiro_task_cancel"]) {
      const result = await callTool(alice.client, tool, { task_id: task.data.task_id });
      expect(result.text).toBe(taskNotFound(task.data.task_id));
    }
    expect(await storageOf("alice", task.data.task_id)).toEqual({ tables: [], keys: 0, alarm: null });
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
