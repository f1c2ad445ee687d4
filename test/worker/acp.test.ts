/**
 * The ACP driver end to end: the runner in global setup uses `kiro-cli acp` (the default), so
 * typed updates, permissions, metadata, crashes and cancellation arrive through MCP here.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, it } from "vitest";
import { callTool, createSession, pollUntilDone, startTask, textOf } from "../helpers/mcp-client.ts";
import { connectEachTest } from "./mcp.ts";

interface Chunk {
  index: number;
  kind: string;
  content: string;
  data?: Record<string, unknown>;
}

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

const session = () => createSession(client);

async function turn(sessionId: string, message: string) {
  const started = await startTask(client, message, sessionId);
  const { chunks, final } = await pollUntilDone(client, started.task_id);
  return { chunks: chunks as Chunk[], final: final as typeof final & { metadata?: Record<string, unknown> } };
}

it("streams thoughts, a plan and tool calls as typed chunks, and only the answer as text", async () => {
  const { chunks, final } = await turn(
    await session(),
    "@thought weighing options\n@plan read|edit|test\n@tool Read file\n@lines 2",
  );
  expect(final.status).toBe("completed");
  const kinds = chunks.map((chunk) => chunk.kind);
  for (const kind of ["thought", "plan", "tool_call", "tool_call_update", "text"])
    expect(kinds).toContain(kind);
  expect(chunks.find((c) => c.kind === "thought")?.content).toContain("weighing options");
  const plan = chunks.find((c) => c.kind === "plan");
  expect(plan?.data?.entries).toHaveLength(3);
  const call = chunks.find((c) => c.kind === "tool_call");
  const update = chunks.find((c) => c.kind === "tool_call_update");
  expect(call?.data?.toolCallId).toBeDefined();
  expect(update?.data?.toolCallId).toBe(call?.data?.toolCallId);
  expect(textOf(chunks)).toContain("line 2");
  expect(textOf(chunks)).not.toContain("weighing options");
});

it("answers permission requests by policy and records each decision", async () => {
  // The host runner defaults to KIRO_TRUST=read-only: reads are allowed, edits refused.
  const { chunks } = await turn(await session(), "@permission read force\n@permission edit force");
  const decisions = chunks.filter((c) => c.kind === "permission").map((c) => c.content);
  expect(decisions).toHaveLength(2);
  expect(decisions[0]).toMatch(/allow/i);
  expect(decisions[1]).toMatch(/reject|den/i);
});

it("keeps Kiro's metadata for the turn on the task", async () => {
  const { final } = await turn(await session(), "@metadata\n@lines 1");
  expect(final.metadata).toBeDefined();
  expect(Object.keys(final.metadata ?? {})).toContain("turnDurationMs");
});

it("shows Kiro's context usage while the turn runs, and its credits and duration at the end", async () => {
  const started = await startTask(client, "@metadata\n@lines 6\n@delay 300", await session());
  let running: { status: string; metadata?: Record<string, unknown> } | undefined;
  // Kiro's frames arrive one after another: an interim one, then the final one.
  for (let next = 0; running?.metadata?.turnDurationMs === undefined; ) {
    const status = await callTool<{
      status: string;
      next_chunk_index: number;
      metadata?: Record<string, unknown>;
    }>(client, "kiro_task_status", { task_id: started.task_id, from_chunk_index: next, wait_ms: 2000 });
    expect(status.isError, status.text).toBe(false);
    next = status.data.next_chunk_index;
    running = status.data;
  }
  expect(running.status).toBe("running");
  expect(running.metadata).toMatchObject({ contextUsagePercentage: 12.5, credits: 0.21 });
  const { final } = await turn(await session(), "@metadata\n@lines 1");
  expect(final.metadata).toEqual({
    contextUsagePercentage: 12.5,
    credits: 0.21,
    meteringUsage: [{ value: 0.21, unit: "credit", unitPlural: "credits" }],
    turnDurationMs: 8000,
  });
  await pollUntilDone(client, started.task_id);
});

it("records a notification it does not know, and is not bothered by it", async () => {
  const { chunks, final } = await turn(await session(), "@unknown\n@lines 1");
  expect(final.status).toBe("completed");
  expect(chunks.some((c) => c.kind === "unknown")).toBe(true);
});

it("fails a turn Kiro abandons after its security filter stops a tool, and the session carries on", async () => {
  const id = await session();
  const interrupted = await turn(id, "@tool-interrupted");
  expect(interrupted.final.status).toBe("failed");
  expect(interrupted.final.reason).toBe("tool_interrupted");
  expect(interrupted.final.error).toContain("Tool uses were interrupted");
  const next = await turn(id, "@lines 1");
  expect(next.final.status).toBe("completed");
});

it("fails a turn whose kiro-cli crashes, and the session carries on", async () => {
  const id = await session();
  const crashed = await turn(id, "@lines 1\n@crash 3");
  expect(crashed.final.status).toBe("failed");
  expect(crashed.final.error).toContain("3");
  const next = await turn(id, "@lines 1");
  expect(next.final.status).toBe("completed");
});

it("cancels through session/cancel and keeps the session usable", async () => {
  const id = await session();
  const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message: "@hang",
    session_id: id,
  });
  const cancelled = await callTool<{ status: string }>(client, "kiro_task_cancel", {
    task_id: started.data.task_id,
  });
  expect(cancelled.data.status).toBe("cancelled");
  const next = await turn(id, "@lines 1");
  expect(next.final.status).toBe("completed");
});

it("keeps one kiro-cli warm across the turns of a session", async () => {
  const id = await session();
  const first = await turn(id, "@pid");
  const second = await turn(id, "@pid");
  const pid = (text: string) => /pid=(\d+)/.exec(text)?.[1];
  expect(pid(textOf(second.chunks))).toBe(pid(textOf(first.chunks)));
  const stats = await callTool<{
    sessions: Array<{ session_id: string; warm_processes: number; driver: string }>;
  }>(client, "kiro_pool_stats");
  const mine = stats.data.sessions.find((s) => s.session_id === id);
  expect(mine?.driver).toBe("acp");
  expect(mine?.warm_processes).toBeGreaterThan(0);
});
