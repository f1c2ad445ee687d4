import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, inject, it } from "vitest";
import { callTool, pollUntilDone, textOf } from "../helpers/mcp-client.ts";
import { connectEachTest, control } from "./mcp.ts";

const controlUrl = inject("controlUrl");

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

async function startTask(message: string) {
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
  const started = await callTool<{ task_id: string; session_id: string }>(client, "kiro_chat_async", {
    message,
    session_id: session.data.session_id,
  });
  expect(started.isError, started.text).toBe(false);
  return started.data;
}

function expectedLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `line ${i + 1}`);
}

function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith("line "));
}

it("resumes exactly where a broken stream stopped: nothing lost, nothing twice", async () => {
  const { task_id } = await startTask("@lines 30\n@delay 60");
  let cuts = 0;
  const { chunks, final } = await pollUntilDone(client, task_id, {
    waitMs: 300,
    onPoll: () => {
      if (cuts < 5) void control("cut", controlUrl).then(() => cuts++);
    },
  });
  expect(cuts).toBeGreaterThan(1);
  expect(final.status).toBe("completed");
  expect(linesOf(textOf(chunks))).toEqual(expectedLines(30));
});

/** Starts a slow task and waits until some of its output is stored. */
async function startWithOutput() {
  const started = await startTask("@lines 40\n@delay 100");
  for (;;) {
    const status = await callTool<{ total_chunks: number }>(client, "kiro_task_status", {
      task_id: started.task_id,
      wait_ms: 2000,
    });
    if (status.data.total_chunks > 0) return started;
  }
}

it("ends the task as failed with reason shutdown when the runner is stopped gracefully", async () => {
  const { task_id } = await startWithOutput();
  await control("restart-runner?graceful", controlUrl);
  const { chunks, final } = await pollUntilDone(client, task_id, { waitMs: 1000 });
  expect(final.status).toBe("failed");
  expect(final.reason).toBe("shutdown");
  const lines = linesOf(textOf(chunks));
  expect(lines).toEqual(expectedLines(lines.length));
});

it("fails the task, keeping its output, when the runner crashes and restarts mid-task", async () => {
  const { task_id } = await startWithOutput();
  await control("restart-runner", controlUrl);
  const { chunks, final } = await pollUntilDone(client, task_id, { waitMs: 1000 });
  expect(final.status).toBe("failed");
  expect(final.reason).toBe("runner_lost");
  expect(final.error).toContain("restarted");
  const lines = linesOf(textOf(chunks));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines).toEqual(expectedLines(lines.length));

  // The next message works on the fresh runner.
  const next = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message: "@lines 2",
    session_id: final.session_id,
  });
  expect(next.isError, next.text).toBe(false);
  expect((await pollUntilDone(client, next.data.task_id)).final.status).toBe("completed");
});

it("resumes ingest after the session object is evicted, by its own alarm, with no client polling", async () => {
  const { task_id, session_id } = await startTask("@lines 10\n@delay 150");
  const stub = env.KIRO_SESSION.getByName(`user:local/${session_id}`);
  const stored = () =>
    runInDurableObject(stub, (_instance, state) => {
      const row = state.storage.sql
        .exec<{ status: string; chunk_count: number }>(
          "SELECT status, chunk_count FROM tasks WHERE id = ?",
          task_id,
        )
        .one();
      return { status: row.status, chunks: row.chunk_count };
    });
  await evictDurableObject(stub);
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  const deadline = Date.now() + 20_000;
  let state = await stored();
  while (state.status === "running" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    state = await stored();
  }
  expect(state.status).toBe("completed");
  const { chunks } = await pollUntilDone(client, task_id);
  expect(linesOf(textOf(chunks))).toEqual(expectedLines(10));
});
