import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, it } from "vitest";
import {
  callTool,
  createSession,
  pollUntilDone,
  type Started,
  type StatusLike,
  startTask,
  textOf,
} from "../helpers/mcp-client.ts";
import { connectEachTest, workerFetch } from "./mcp.ts";

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

/** A fresh session per test, so tests never wait on each other's tasks. */
const newSession = (args: Record<string, unknown> = {}) => createSession(client, args);

async function start(message: string, sessionId?: string): Promise<Started> {
  return startTask(client, message, sessionId ?? (await newSession()));
}

describe("tool surface", () => {
  it("lists every tool with an input and an output schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "kiro_agents_list",
      "kiro_chat",
      "kiro_chat_async",
      "kiro_command",
      "kiro_history",
      "kiro_history_clear",
      "kiro_pool_stats",
      "kiro_session_clear",
      "kiro_session_create",
      "kiro_session_end",
      "kiro_session_list",
      "kiro_session_save",
      "kiro_session_switch",
      "kiro_task_cancel",
      "kiro_task_list",
      "kiro_task_status",
      "kiro_workspace_diff",
      "kiro_workspace_push",
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.annotations, tool.name).toBeDefined();
    }
  });
});

describe("kiro_chat_async + kiro_task_status", () => {
  it("shows output while kiro-cli is still running, then the full result", async () => {
    const { task_id } = await start("@lines 5\n@delay 300");
    const seenWhileRunning: number[] = [];
    const { chunks, final } = await pollUntilDone(client, task_id, {
      onPoll: (status) => {
        if (status.status === "running" && status.new_chunks.length > 0)
          seenWhileRunning.push(status.next_chunk_index);
      },
    });
    expect(seenWhileRunning.length).toBeGreaterThan(0);
    expect(final.status).toBe("completed");
    const text = textOf(chunks);
    for (let i = 1; i <= 5; i++) expect(text).toContain(`line ${i}`);
    expect(final.result).toBe(text);
    expect(text).not.toContain("\u001b");
  });

  it("long-polls: wait_ms returns as soon as a new chunk exists", async () => {
    const { task_id } = await start("@lines 2\n@delay 1500");
    const begun = Date.now();
    const first = await callTool<StatusLike>(client, "kiro_task_status", { task_id, wait_ms: 20_000 });
    expect(first.isError, first.text).toBe(false);
    expect(first.data.new_chunks.length).toBeGreaterThan(0);
    expect(Date.now() - begun).toBeLessThan(15_000);
    await pollUntilDone(client, task_id);
  });

  it("keeps multi-byte characters whole and strips ANSI escapes", async () => {
    const { task_id } = await start("@utf8split");
    const { chunks, final } = await pollUntilDone(client, task_id);
    expect(final.status).toBe("completed");
    expect(textOf(chunks)).toContain("héllo wörld 🚀 日本語");
    expect(textOf(chunks)).not.toContain("\uFFFD");
  });

  it("continues the session's conversation on the next message (--resume)", async () => {
    const session = await newSession();
    const first = await start("remember the word pineapple", session);
    await pollUntilDone(client, first.task_id);
    const second = await start("@recall", session);
    const { chunks } = await pollUntilDone(client, second.task_id);
    expect(textOf(chunks)).toContain("pineapple");
  });
});

describe("kiro_chat", () => {
  it("waits for the answer and sends progress notifications", async () => {
    const session_id = await newSession();
    const progress: Array<{ progress: number; message?: string }> = [];
    const answer = await callTool<{ status: string; result: string; is_done: boolean }>(
      client,
      "kiro_chat",
      { message: "@lines 4\n@delay 200", session_id },
      { onprogress: (event) => progress.push(event) },
    );
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).toBe("completed");
    expect(answer.data.result).toContain("line 4");
    expect(progress.length).toBeGreaterThan(0);
    const values = progress.map((event) => event.progress);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
  });

  it("hands back a running task instead of outlasting the client", async () => {
    const session_id = await newSession();
    const answer = await callTool<{ status: string; task_id: string; note: string }>(client, "kiro_chat", {
      message: "@lines 12\n@delay 700",
      session_id,
    });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).toBe("running");
    expect(answer.data.note).toContain("kiro_task_status");
    const { final, chunks } = await pollUntilDone(client, answer.data.task_id);
    expect(final.status).toBe("completed");
    expect(textOf(chunks)).toContain("line 12");
  });
});

describe("cancel and failures", () => {
  it("cancels a hung task and keeps it cancelled", async () => {
    const { task_id } = await start("@hang");
    const cancelled = await callTool<StatusLike>(client, "kiro_task_cancel", { task_id });
    expect(cancelled.isError, cancelled.text).toBe(false);
    expect(cancelled.data.status).toBe("cancelled");
    expect(cancelled.data.is_done).toBe(true);
    const again = await callTool<StatusLike>(client, "kiro_task_cancel", { task_id });
    expect(again.data.status).toBe("cancelled");
  });

  it("reports a failing kiro-cli with its exit code and stderr", async () => {
    const { task_id } = await start("@stderr something broke\n@exit 1");
    const { final } = await pollUntilDone(client, task_id);
    expect(final.status).toBe("failed");
    expect(final.error).toContain("something broke");
  });

  it("treats exit 0 with no output as a failure", async () => {
    const { task_id } = await start("@empty");
    const { final } = await pollUntilDone(client, task_id);
    expect(final.status).toBe("failed");
    expect(final.error).toBeTruthy();
  });

  it("refuses a second message while the session is busy", async () => {
    const session = await newSession();
    const first = await start("@hang", session);
    const second = await callTool(client, "kiro_chat_async", { message: "hello", session_id: session });
    expect(second.isError).toBe(true);
    expect(second.text).toContain("busy");
    await callTool(client, "kiro_task_cancel", { task_id: first.task_id });
  });
});

describe("bad input", () => {
  it.each([
    ["an empty message", { message: "" }, "message is empty"],
    ["a blank message", { message: "  \n " }, "message is empty"],
    ["an oversized message", { message: "x".repeat(256 * 1024 + 1) }, "256 KiB"],
  ])("rejects %s", async (_name, args, expected) => {
    const result = await callTool(client, "kiro_chat_async", args);
    expect(result.isError).toBe(true);
    expect(result.text).toContain(expected);
  });

  it("gives the same not-found for unknown, malformed and unowned task ids", async () => {
    for (const task_id of ["nope", "task_aaaaaaaaaaaaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbb"]) {
      const result = await callTool(client, "kiro_task_status", { task_id });
      expect(result.isError).toBe(true);
      expect(result.text).toBe(`Task ${task_id} not found. Use kiro_task_list to see your tasks.`);
    }
  });

  it("rejects an unknown session id", async () => {
    const result = await callTool(client, "kiro_chat_async", { message: "hi", session_id: "sess_nope" });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("Session sess_nope not found");
  });

  it.each([
    ["outside the workspace", "../outside", "outside"],
    ["missing", "no-such-dir", "no-such-dir"],
  ])("refuses a working directory %s", async (_name, working_directory, expected) => {
    const result = await callTool(client, "kiro_session_create", { working_directory });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(expected);
  });

  it("refuses an agent name that could read as a flag", async () => {
    const result = await callTool(client, "kiro_session_create", { agent: "--trust-all-tools" });
    expect(result.isError).toBe(true);
  });

  it("refuses an agent that does not exist, naming the ones that do", async () => {
    const result = await callTool(client, "kiro_session_create", { agent: "nope" });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('Agent "nope" not found');
    expect(result.text).toContain("reviewer");
  });
});

describe("sessions", () => {
  it("creates a session in a subdirectory and lists it as active", async () => {
    const created = await callTool<{ session_id: string; working_directory: string; agent: string | null }>(
      client,
      "kiro_session_create",
      { working_directory: "project", agent: "reviewer" },
    );
    expect(created.isError, created.text).toBe(false);
    expect(created.data.working_directory).toMatch(/\/project$/);
    const listed = await callTool<{
      sessions: Array<{ session_id: string; active: boolean }>;
      active_session_id: string;
    }>(client, "kiro_session_list");
    expect(listed.data.active_session_id).toBe(created.data.session_id);
    expect(listed.data.sessions.find((s) => s.session_id === created.data.session_id)?.active).toBe(true);
  });

  it("lists tasks across sessions, running only unless include_done", async () => {
    const { task_id } = await start("@lines 1");
    await pollUntilDone(client, task_id);
    const running = await callTool<{ tasks: Array<{ task_id: string }> }>(client, "kiro_task_list");
    expect(running.data.tasks.map((t) => t.task_id)).not.toContain(task_id);
    const all = await callTool<{ tasks: Array<{ task_id: string; status: string }> }>(
      client,
      "kiro_task_list",
      {
        include_done: true,
      },
    );
    expect(all.data.tasks.find((t) => t.task_id === task_id)?.status).toBe("completed");
  });
});

describe("http edge", () => {
  it("serves /health with the runner's state", async () => {
    const response = await workerFetch("http://localhost/health");
    const body = (await response.json()) as { ok: boolean; runner: { mode: string; reachable: boolean } };
    expect(body.ok).toBe(true);
    expect(body.runner).toMatchObject({ mode: "host", reachable: true });
  });

  it("refuses /mcp on a non-loopback host while no credentials are configured", async () => {
    const response = await workerFetch("https://kiro.example.com/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("no_credentials");
  });

  it("rejects a DNS-rebinding Host header", async () => {
    const response = await workerFetch("http://localhost/mcp", {
      method: "POST",
      headers: {
        host: "evil.example",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
  });

  it("answers unknown paths with a JSON 404", async () => {
    const response = await workerFetch("http://localhost/nope");
    expect(response.status).toBe(404);
  });
});
