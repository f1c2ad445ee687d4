/**
 * Kiro's turn as an MCP Tasks extension task, end to end: `npm run dev` with the stand-in kiro-cli
 * and KIRO_TRUST=ask, driven over HTTP by task-aware clients of protocol revision 2026-07-28:
 * raw JSON-RPC, and the official requester of @modelcontextprotocol/ext-tasks. The client reads
 * progress with tasks/get, answers Kiro's permission prompt with tasks/update (the stand-in writes
 * its file only when allowed), and cancels another task; a prompt nobody answers is decided by
 * the read-only rule and recorded as a permission chunk.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client";
import { describe, expect, it } from "vitest";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { extTasksSession } from "../helpers/ext-tasks-session.ts";
import { callTool } from "../helpers/mcp-client.ts";
import { type TaskState, tasksClient } from "../helpers/tasks-client.ts";

const PERMISSION_TIMEOUT_MS = 6_000;

const e2e = e2eSuite({
  env: { KIRO_TRUST: "ask", KIRO_PERMISSION_TIMEOUT_MS: String(PERMISSION_TIMEOUT_MS) },
});

async function startTurn(message: string): Promise<string> {
  const mcp = tasksClient(e2e.dev.mcpUrl);
  const session_id = await newSession(e2e.client);
  const handle = await mcp.result("tools/call", { name: "kiro_chat", arguments: { message, session_id } });
  expect(handle.resultType).toBe("task");
  return String(handle.taskId);
}

function workspaceFile(name: string): string | null {
  const file = path.join(e2e.dev.workspaceRoot, name);
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

describe("a Kiro turn as a task", () => {
  it("reports progress, asks for permission, and writes only once allowed", async () => {
    const mcp = tasksClient(e2e.dev.mcpUrl);
    const taskId = await startTurn("@lines 4\n@delay 200\n@guarded-write e2e-allowed.txt\n@lines 1");
    const progress = new Set<string>();
    let task: TaskState;
    const deadline = Date.now() + 20_000;
    do {
      task = (await mcp.result("tasks/get", { taskId })) as TaskState;
      if (task.statusMessage) progress.add(task.statusMessage);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (task.status === "working" && Date.now() < deadline);
    expect([...progress].some((line) => /^line [1-4]$/.test(line))).toBe(true);

    expect(task.status).toBe("input_required");
    expect(task.statusMessage).toBe("Kiro asks to edit: Write e2e-allowed.txt: answer with tasks/update.");
    const [key, input] = Object.entries(task.inputRequests ?? {})[0] ?? [];
    expect(key).toBe("permission-1");
    expect(input?.method).toBe("elicitation/create");
    expect(input?.params.requestedSchema).toMatchObject({
      properties: {
        option: {
          oneOf: [{ const: "allow-once", title: "Yes" }, { const: "allow-always" }, { const: "reject-once" }],
        },
      },
    });
    expect(workspaceFile("e2e-allowed.txt")).toBeNull();

    const ack = await mcp.result("tasks/update", {
      taskId,
      inputResponses: { [String(key)]: { action: "accept", content: { option: "allow-once" } } },
    });
    expect(ack.resultType).toBe("complete");
    // The answered request is no longer offered, whatever Kiro does next.
    expect(((await mcp.result("tasks/get", { taskId })) as TaskState).inputRequests).toBeUndefined();

    const done = await mcp.settle(taskId);
    expect(done.status).toBe("completed");
    expect(done.result?.structuredContent?.result).toContain("wrote e2e-allowed.txt");
    expect(workspaceFile("e2e-allowed.txt")).toBe("written by the stand-in (allow-once)\n");
    const status = await callTool<{ new_chunks: Array<{ kind: string; content: string }> }>(
      e2e.client,
      "kiro_task_status",
      { task_id: taskId },
    );
    expect(
      status.data.new_chunks.filter((chunk) => chunk.kind === "permission").map((chunk) => chunk.content),
    ).toEqual([
      expect.stringContaining("🔒 Kiro asks to edit: Write e2e-allowed.txt"),
      "🔒 allowed edit: Write e2e-allowed.txt (answered by the client: Yes)",
    ]);
  });

  it("declines: Kiro is refused and writes nothing", async () => {
    const mcp = tasksClient(e2e.dev.mcpUrl);
    const taskId = await startTurn("@guarded-write e2e-declined.txt");
    const asked = await mcp.settle(taskId, { until: "input_required" });
    const bad = await mcp.call("tasks/update", {
      taskId,
      inputResponses: { "permission-1": { action: "accept", content: { option: "sudo" } } },
    });
    expect(bad).toEqual({
      error: {
        code: -32602,
        message:
          "inputResponses.permission-1 content.option must be one of allow-once, allow-always, reject-once",
      },
    });
    expect(Object.keys(asked.inputRequests ?? {})).toEqual(["permission-1"]);
    await mcp.result("tasks/update", { taskId, inputResponses: { "permission-1": { action: "decline" } } });
    const done = await mcp.settle(taskId);
    expect(done.result?.structuredContent?.result).toContain("permission edit: reject-once\nnot written");
    expect(workspaceFile("e2e-declined.txt")).toBeNull();
  });

  it("decides by the read-only rule when the client never answers", async () => {
    const mcp = tasksClient(e2e.dev.mcpUrl);
    const taskId = await startTurn("@guarded-write e2e-unanswered.txt");
    expect((await mcp.settle(taskId, { until: "input_required" })).status).toBe("input_required");
    const done = await mcp.settle(taskId, { deadlineMs: PERMISSION_TIMEOUT_MS + 20_000, intervalMs: 500 });
    expect(done.status).toBe("completed");
    expect(done.result?.structuredContent?.result).toContain("not written: e2e-unanswered.txt");
    expect(workspaceFile("e2e-unanswered.txt")).toBeNull();
    const status = await callTool<{ new_chunks: Array<{ kind: string; content: string }> }>(
      e2e.client,
      "kiro_task_status",
      { task_id: taskId },
    );
    expect(status.data.new_chunks.filter((chunk) => chunk.kind === "permission").at(-1)?.content).toBe(
      `🔒 rejected edit: Write e2e-unanswered.txt (KIRO_TRUST=ask, no answer within ${PERMISSION_TIMEOUT_MS} ms: read-only rule)`,
    );
  });

  it("cancels another task while one waits for an answer", async () => {
    const mcp = tasksClient(e2e.dev.mcpUrl);
    const waiting = await startTurn("@guarded-write e2e-waiting.txt");
    const busy = await startTurn("@lines 100\n@delay 200");
    await mcp.settle(waiting, { until: "input_required" });
    expect((await mcp.result("tasks/cancel", { taskId: busy })).resultType).toBe("complete");
    expect((await mcp.settle(busy)).status).toBe("cancelled");
    // The other one still waits for its answer, then goes on.
    expect(((await mcp.result("tasks/get", { taskId: waiting })) as TaskState).status).toBe("input_required");
    await mcp.result("tasks/update", {
      taskId: waiting,
      inputResponses: { "permission-1": { action: "accept" } },
    });
    expect((await mcp.settle(waiting)).result?.structuredContent?.result).toContain("wrote e2e-waiting.txt");
  });

  it("runs through the official Tasks requester (ext-tasks), which answers Kiro's prompt", async () => {
    const asked: string[] = [];
    const tasks = await extTasksSession(e2e.dev.mcpUrl, {
      onInput: async (params) => {
        asked.push(String(params.message));
        return { action: "accept", content: { option: "allow-always" } };
      },
    });
    try {
      const session_id = await newSession(e2e.client);
      const message = "@lines 2\n@guarded-write e2e-ext-tasks.txt";
      const execution = await tasks.session.callTool("kiro_chat", { message, session_id });
      expect(execution.kind).toBe("task");
      const { outcome } = await execution.settle();
      const result = resultFromTaskOutcome(outcome);
      expect(result.resultType).toBe("complete");
      const output =
        "structuredContent" in result ? (result.structuredContent as Record<string, string>) : {};
      expect(output.status).toBe("completed");
      expect(output.result).toContain("permission edit: allow-always\nwrote e2e-ext-tasks.txt");
      expect(asked).toEqual([expect.stringMatching(/^Kiro asks to edit: Write e2e-ext-tasks.txt\. /)]);
      expect(workspaceFile("e2e-ext-tasks.txt")).toBe("written by the stand-in (allow-always)\n");
    } finally {
      await tasks.close();
    }
  });

  it("gives a plain client today's answer, with Kiro's requests decided by the read-only rule", async () => {
    const session_id = await newSession(e2e.client);
    const reply = await callTool<{ status: string; result: string }>(e2e.client, "kiro_chat", {
      message: "@guarded-write e2e-plain.txt",
      session_id,
    });
    expect(reply.data.status).toBe("completed");
    expect(reply.data.result).toContain("not written: e2e-plain.txt");
  });
});
