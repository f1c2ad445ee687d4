/**
 * The MCP Tasks extension (revision 2026-07-28) against the Worker in workerd and the real runner
 * with the stand-in kiro-cli: a task-aware client gets kiro_chat and kiro_chat_async as tasks,
 * reads them with tasks/get and stops them with tasks/cancel; a client that does not opt in gets
 * today's answers; task ids follow the same ownership rules as kiro_task_status.
 */
import { describe, expect, it } from "vitest";
import { TASKS_EXTENSION, type TaskState, tasksClient } from "../helpers/tasks-client.ts";
import { MCP_URL, workerFetch } from "./mcp.ts";

const mcp = tasksClient(MCP_URL, workerFetch);

async function newSession(): Promise<string> {
  const created = await mcp.result("tools/call", { name: "kiro_session_create", arguments: {} });
  return (created.structuredContent as { session_id: string }).session_id;
}

async function startChat(message: string, tool = "kiro_chat"): Promise<Record<string, unknown>> {
  const session_id = await newSession();
  return mcp.result("tools/call", { name: tool, arguments: { message, session_id } });
}

describe("a task-aware client", () => {
  it("finds the extension in server/discover", async () => {
    const discovered = await mcp.result("server/discover", {});
    const capabilities = discovered.capabilities as Record<string, Record<string, unknown>>;
    expect(capabilities.extensions?.[TASKS_EXTENSION]).toEqual({});
    expect(capabilities.tasks).toBeUndefined();
  });

  it("gets kiro_chat as a task whose result is kiro_chat's answer", async () => {
    const handle = await startChat("Say hello\n@lines 3\n@delay 100");
    expect(handle).toMatchObject({
      resultType: "task",
      status: "working",
      ttlMs: null,
      pollIntervalMs: 2000,
    });
    expect(handle.taskId).toMatch(/^task_/);
    expect(handle).not.toHaveProperty("result");
    expect(Date.parse(String(handle.createdAt))).not.toBeNaN();

    const done = await mcp.settle(String(handle.taskId));
    expect(done.status).toBe("completed");
    expect(done.resultType).toBe("complete");
    const output = done.result?.structuredContent as Record<string, unknown>;
    expect(output).toMatchObject({ task_id: handle.taskId, status: "completed", is_done: true });
    expect(output.result).toContain("line 3");
    expect(JSON.parse(done.result?.content[0]?.text ?? "")).toEqual(output);
    // The CallToolResult as it goes on the 2026-07-28 wire, discriminator included.
    expect(done.result).toHaveProperty("resultType", "complete");
    expect(done.statusMessage).toBe("line 3");
    expect(done.ttlMs).toBe(
      Date.parse(String(done.lastUpdatedAt)) + 3600_000 - Date.parse(String(done.createdAt)),
    );
  });

  it("reads the latest line of output as the status message while Kiro works", async () => {
    const handle = await startChat("@lines 40\n@delay 100");
    const seen = new Set<string>();
    let task: TaskState;
    do {
      task = (await mcp.result("tasks/get", { taskId: handle.taskId })) as TaskState;
      if (task.status === "working" && task.statusMessage) seen.add(task.statusMessage);
      await new Promise((resolve) => setTimeout(resolve, 150));
    } while (task.status === "working");
    expect(task.status).toBe("completed");
    expect([...seen].filter((line) => /^line \d+$/.test(line)).length).toBeGreaterThan(3);
  });

  it("shows the latest tool call's title as the status message", async () => {
    const handle = await startChat("@tool Read the README\n@hang");
    const task = await waitFor(String(handle.taskId), (state) =>
      state.statusMessage?.includes("Read the README"),
    );
    expect(task.status).toBe("working");
    await mcp.result("tasks/cancel", { taskId: handle.taskId });
  });

  it("gets kiro_chat_async as a task too, with kiro_chat's result", async () => {
    const handle = await startChat("Hi\n@lines 1", "kiro_chat_async");
    expect(handle.resultType).toBe("task");
    const done = await mcp.settle(String(handle.taskId));
    expect(done.result?.structuredContent).toMatchObject({ status: "completed", is_done: true });
    expect(done.result?.structuredContent).toHaveProperty("view_url");
  });

  it("cancels a task with tasks/cancel: an empty acknowledgement, then status cancelled", async () => {
    const handle = await startChat("@hang");
    const ack = await mcp.result("tasks/cancel", { taskId: handle.taskId });
    expect(Object.keys(ack).filter((key) => key !== "_meta")).toEqual(["resultType"]);
    expect(ack.resultType).toBe("complete");
    const task = await mcp.settle(String(handle.taskId));
    expect(task.status).toBe("cancelled");
    expect(task.statusMessage).toMatch(/cancelled/i);
    expect(task).not.toHaveProperty("result");
    // Cancelling again changes nothing and is acknowledged the same way.
    expect((await mcp.result("tasks/cancel", { taskId: handle.taskId })).resultType).toBe("complete");
  });

  it("reads a failed Kiro turn as a completed task whose result says failed", async () => {
    const handle = await startChat("@lines 1\n@exit 3");
    const done = await mcp.settle(String(handle.taskId));
    expect(done.status).toBe("completed");
    expect(done.result?.structuredContent).toMatchObject({ status: "failed", is_done: true });
    expect(done.statusMessage).toMatch(/exit/i);
  });

  it("reads a task a plain kiro_chat_async started", async () => {
    const session_id = await newSession();
    const started = await mcp.result(
      "tools/call",
      { name: "kiro_chat_async", arguments: { message: "@lines 2", session_id } },
      { tasks: false },
    );
    const output = started.structuredContent as { task_id: string };
    const done = await mcp.settle(output.task_id);
    expect(done.result?.structuredContent).toMatchObject({ task_id: output.task_id, status: "completed" });
  });

  it("gets today's answer for arguments the tool refuses, with no task", async () => {
    const reply = await mcp.result("tools/call", { name: "kiro_chat", arguments: { message: "  " } });
    expect(reply.resultType).toBe("complete");
    expect(reply.isError).toBe(true);
    expect(JSON.stringify(reply.content)).toContain("message is empty");
  });
});

describe("task ids", () => {
  it("answer -32602 when unknown or malformed, for tasks/get, tasks/update and tasks/cancel", async () => {
    const session_id = await newSession();
    const unknown = `task_${session_id.slice(5)}_${"a".repeat(26)}`;
    for (const taskId of [unknown, "task_nope", "not-a-task"]) {
      for (const method of ["tasks/get", "tasks/update", "tasks/cancel"]) {
        const params = method === "tasks/update" ? { taskId, inputResponses: {} } : { taskId };
        const reply = await mcp.call(method, params);
        expect(reply, `${method} ${taskId}`).toEqual({
          error: expect.objectContaining({ code: -32602, message: expect.stringContaining("not found") }),
        });
      }
    }
  });
});

describe("a client that does not declare the extension", () => {
  it("gets kiro_chat's usual result", async () => {
    const session_id = await newSession();
    const reply = await mcp.result(
      "tools/call",
      { name: "kiro_chat", arguments: { message: "@lines 1", session_id } },
      { tasks: false },
    );
    expect(reply.resultType).toBe("complete");
    expect(reply).not.toHaveProperty("taskId");
    expect(reply.structuredContent).toMatchObject({ status: "completed", is_done: true });
  });

  it("is refused tasks/get, tasks/update and tasks/cancel with -32021", async () => {
    const handle = await startChat("@lines 1");
    for (const method of ["tasks/get", "tasks/update", "tasks/cancel"]) {
      const params =
        method === "tasks/update" ? { taskId: handle.taskId, inputResponses: {} } : { taskId: handle.taskId };
      const reply = await mcp.call(method, params, { tasks: false });
      expect(reply, method).toEqual({
        error: expect.objectContaining({
          code: -32021,
          data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
        }),
      });
    }
  });
});

async function waitFor(taskId: string, test: (task: TaskState) => unknown): Promise<TaskState> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const task = (await mcp.result("tasks/get", { taskId })) as TaskState;
    if (test(task) || task.status !== "working") return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId}: condition not met`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a 2025-11-25 client", () => {
  /** One raw JSON-RPC request on the 2025-era wire (stateless: no initialize needed). */
  async function legacyCall(method: string, params: Record<string, unknown>) {
    const response = await workerFetch(MCP_URL, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const text = await response.text();
    const data = text.split("\n").find((line) => line.startsWith("data: "));
    return JSON.parse(data === undefined ? text : data.slice("data: ".length)) as Record<string, unknown>;
  }

  it("is refused a task-augmented tools/call with -32601, and nothing starts", async () => {
    const session_id = await newSession();
    const reply = await legacyCall("tools/call", {
      name: "kiro_chat_async",
      arguments: { message: "@lines 1", session_id },
      task: { ttl: 60_000 },
    });
    expect(reply.error).toMatchObject({ code: -32601, message: expect.stringContaining(TASKS_EXTENSION) });
    const listed = await mcp.result("tools/call", {
      name: "kiro_task_list",
      arguments: { session_id, include_done: true },
    });
    expect((listed.structuredContent as { tasks: unknown[] }).tasks).toEqual([]);
  });

  it("sees no task support: no tasks capability, no taskSupport, no tasks/* methods", async () => {
    const initialized = await legacyCall("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: { tasks: { requests: { elicitation: { create: {} } } } },
      clientInfo: { name: "old", version: "0" },
    });
    const result = initialized.result as { capabilities: Record<string, unknown> };
    expect(result.capabilities).not.toHaveProperty("tasks");
    expect(result.capabilities).not.toHaveProperty("extensions");
    const tools = (await legacyCall("tools/list", {})).result as { tools: Array<Record<string, unknown>> };
    expect(tools.tools.filter((tool) => "execution" in tool)).toEqual([]);
    for (const method of ["tasks/get", "tasks/result", "tasks/cancel"]) {
      expect((await legacyCall(method, { taskId: "task_x" })).error, method).toMatchObject({ code: -32601 });
    }
    expect((await legacyCall("tasks/list", {})).error).toMatchObject({ code: -32601 });
  });
});
