/**
 * `npm run dev` end to end: wrangler dev with the Worker and its Durable Objects, the host runner
 * and the kiro-cli stub, driven over real HTTP by the real MCP client (its own fetch, no shims).
 * One dev server for the file; each test makes its own Kiro session.
 */
import { describe, expect, it } from "vitest";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";

interface Started {
  task_id: string;
  session_id: string;
  status: string;
}

const e2e = e2eSuite();

async function start(message: string): Promise<Started> {
  const started = await callTool<Started>(e2e.client, "kiro_chat_async", {
    message,
    session_id: await newSession(e2e.client),
  });
  expect(started.isError, started.text).toBe(false);
  expect(started.data.status).toBe("running");
  return started.data;
}

describe("npm run dev over HTTP", () => {
  it("reports the runner reachable on /health", async () => {
    const response = await fetch(`${e2e.dev.baseUrl}/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as {
      ok: boolean;
      runner: { reachable: boolean; kiro_cli_found: boolean };
    };
    expect(health.ok).toBe(true);
    expect(health.runner.reachable).toBe(true);
    expect(health.runner.kiro_cli_found).toBe(true);
  });

  it("lists the tools with their schemas", async () => {
    const { tools } = await e2e.client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of [
      "kiro_chat",
      "kiro_chat_async",
      "kiro_task_status",
      "kiro_task_cancel",
      "kiro_session_create",
    ]) {
      expect(names).toContain(name);
    }
    for (const tool of tools) expect(tool.outputSchema, tool.name).toBeDefined();
  });

  it("streams a task's lines while it runs, then the whole result", async () => {
    const { task_id } = await start("@lines 6\n@delay 250");
    let chunksWhileRunning = 0;
    const { chunks, final } = await pollUntilDone(e2e.client, task_id, {
      onPoll: (status) => {
        if (status.status === "running") chunksWhileRunning += status.new_chunks.length;
      },
    });
    expect(chunksWhileRunning).toBeGreaterThan(0);
    expect(final.status).toBe("completed");
    const text = textOf(chunks);
    for (let i = 1; i <= 6; i++) expect(text).toContain(`line ${i}\n`);
    expect(final.result).toBe(text);
  });

  it("cancels a hung task", async () => {
    const { task_id } = await start("@hang");
    const cancelled = await callTool<StatusLike>(e2e.client, "kiro_task_cancel", { task_id });
    expect(cancelled.isError, cancelled.text).toBe(false);
    expect(cancelled.data.status).toBe("cancelled");
    const status = await callTool<StatusLike>(e2e.client, "kiro_task_status", { task_id });
    expect(status.data.status).toBe("cancelled");
    expect(status.data.is_done).toBe(true);
  });

  it("kiro_chat waits for the answer with progress notifications", async () => {
    const session_id = await newSession(e2e.client);
    const progress: number[] = [];
    const answer = await callTool<{ status: string; is_done: boolean; result: string }>(
      e2e.client,
      "kiro_chat",
      { message: "@lines 4\n@delay 200", session_id },
      { onprogress: (event) => progress.push(event.progress) },
    );
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).toBe("completed");
    expect(answer.data.is_done).toBe(true);
    expect(answer.data.result).toContain("line 4");
    expect(progress.length).toBeGreaterThan(0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it("answers bad input with isError and a message", async () => {
    const empty = await callTool(e2e.client, "kiro_chat_async", {
      message: "",
      session_id: await newSession(e2e.client),
    });
    expect(empty.isError).toBe(true);
    expect(empty.text).toContain("message is empty");
    const unknown = await callTool(e2e.client, "kiro_task_status", { task_id: "task_nope" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("not found");
  });

  it("stops the runner, wrangler and workerd on Ctrl-C", async () => {
    const exit = await e2e.dev.stop();
    expect(exit.leftovers.map((ref) => ref.command)).toEqual([]);
    expect(exit.code).toBe(0);
  });
});
