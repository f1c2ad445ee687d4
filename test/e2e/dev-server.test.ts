/**
 * `npm run dev` end to end: wrangler dev with the Worker and its Durable Objects, the host runner
 * and the kiro-cli stub, driven over real HTTP by the real MCP client (its own fetch, no shims).
 * One dev server for the file; each test makes its own Kiro session.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../helpers/dev-server.ts";
import { callTool, connectMcp, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";

interface Started {
  task_id: string;
  session_id: string;
  status: string;
}

let dev: DevServer;
let client: Client;

beforeAll(async () => {
  dev = await startDevServer();
});
afterAll(async () => {
  await dev?.stop();
});
beforeEach(async (context) => {
  // The Worker logs the cause of an "Internal error (ref …)" there, not to the client; wrangler
  // prints its logs a moment after the response.
  const before = dev.output().length;
  context.onTestFailed(async () => {
    await sleep(1_000);
    console.error(`dev server output during the test:\n${dev.output().slice(before).slice(-8_000)}`);
  });
  client = await connectMcp(dev.mcpUrl);
});
afterEach(async () => {
  await client.close();
});

async function newSession(): Promise<string> {
  const created = await callTool<{ session_id: string }>(client, "kiro_session_create");
  expect(created.isError, created.text).toBe(false);
  return created.data.session_id;
}

async function start(message: string): Promise<Started> {
  const started = await callTool<Started>(client, "kiro_chat_async", {
    message,
    session_id: await newSession(),
  });
  expect(started.isError, started.text).toBe(false);
  expect(started.data.status).toBe("running");
  return started.data;
}

describe("npm run dev over HTTP", () => {
  it("reports the runner reachable on /health", async () => {
    const response = await fetch(`${dev.baseUrl}/health`);
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
    const { tools } = await client.listTools();
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
    const { chunks, final } = await pollUntilDone(client, task_id, {
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
    const cancelled = await callTool<StatusLike>(client, "kiro_task_cancel", { task_id });
    expect(cancelled.isError, cancelled.text).toBe(false);
    expect(cancelled.data.status).toBe("cancelled");
    const status = await callTool<StatusLike>(client, "kiro_task_status", { task_id });
    expect(status.data.status).toBe("cancelled");
    expect(status.data.is_done).toBe(true);
  });

  it("kiro_chat waits for the answer with progress notifications", async () => {
    const session_id = await newSession();
    const progress: number[] = [];
    const answer = await callTool<{ status: string; is_done: boolean; result: string }>(
      client,
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
    const empty = await callTool(client, "kiro_chat_async", { message: "", session_id: await newSession() });
    expect(empty.isError).toBe(true);
    expect(empty.text).toContain("message is empty");
    const unknown = await callTool(client, "kiro_task_status", { task_id: "task_nope" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("not found");
  });

  it("stops the runner, wrangler and workerd on Ctrl-C", async () => {
    const exit = await dev.stop();
    expect(exit.leftovers.map((ref) => ref.command)).toEqual([]);
    expect(exit.code).toBe(0);
  });
});
