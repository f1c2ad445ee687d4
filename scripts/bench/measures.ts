/**
 * The measurements of `npm run bench`, each against a live target: the MCP endpoint of `wrangler
 * dev` (through the real MCP client) or, as the same-run baseline, the host runner's own HTTP
 * protocol. Times are wall-clock milliseconds; the stub and this process share the machine's clock.
 */
import { performance } from "node:perf_hooks";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { stubBytesOutput } from "../../test/fixtures/stub-output.mjs";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../../test/helpers/mcp-client.ts";
import { type RunnerTarget, readEvents, startRun } from "../../test/helpers/runner-client.ts";

/** Longest a status long-poll waits; well inside the server's limit. */
const LONG_POLL_MS = 10_000;

export interface Throughput {
  bytes: number;
  /** From the start request to the last byte being visible to the reader. */
  elapsedMs: number;
  /** kiro_task_status calls (MCP) or events (runner stream) it took. */
  reads: number;
  chunks: number;
  exact: boolean;
}

/** Splits text that arrives in pieces into stamped lines ("line i t=MS") and reports their age. */
function stampReader(onLatency: (ms: number) => void): (text: string) => void {
  let pending = "";
  return (text) => {
    const now = Date.now();
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const stamp = /^line \d+ t=(\d+)$/.exec(line);
      if (stamp?.[1] !== undefined) onLatency(now - Number(stamp[1]));
    }
  };
}

export async function startTask(client: Client, sessionId: string, message: string): Promise<string> {
  const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message,
    session_id: sessionId,
  });
  if (started.isError) throw new Error(`kiro_chat_async failed: ${started.text}`);
  return started.data.task_id;
}

/** Stub write → line visible in a kiro_task_status long-poll that follows next_chunk_index. */
export async function mcpLineLatency(client: Client, sessionId: string, message: string): Promise<number[]> {
  const latencies: number[] = [];
  const read = stampReader((ms) => latencies.push(ms));
  const taskId = await startTask(client, sessionId, message);
  let from = 0;
  for (;;) {
    const status = await callTool<StatusLike>(client, "kiro_task_status", {
      task_id: taskId,
      from_chunk_index: from,
      wait_ms: LONG_POLL_MS,
    });
    if (status.isError) throw new Error(`kiro_task_status failed: ${status.text}`);
    read(status.data.new_content);
    from = status.data.next_chunk_index;
    if (status.data.is_done && !status.data.has_more) return latencies;
  }
}

/** Stub write → line visible in the runner's live event stream (no Worker, no Durable Object). */
export async function runnerLineLatency(runner: RunnerTarget, message: string): Promise<number[]> {
  const latencies: number[] = [];
  const read = stampReader((ms) => latencies.push(ms));
  const runId = await startRun(runner, { message });
  for await (const event of readEvents(runner, runId)) {
    if (event.type === "output") read(event.text);
  }
  return latencies;
}

/** Runs a task to the end and returns where it stopped, so status calls then find nothing new. */
export async function finishedTask(
  client: Client,
  sessionId: string,
): Promise<{ taskId: string; next: number }> {
  const taskId = await startTask(client, sessionId, "@lines 3");
  const { final } = await pollUntilDone(client, taskId);
  return { taskId, next: final.next_chunk_index };
}

/**
 * A fetch for the MCP client that keeps the last POST of each JSON-RPC method, and `replay` to
 * send that same request again with plain fetch: the server's part of a call without the SDK
 * client's own work on the answer.
 */
export function recordingFetch(): {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  replay: (method: string) => () => Promise<string>;
} {
  const sent = new Map<string, { url: string; init: RequestInit }>();
  return {
    fetch: (input, init) => {
      if (init?.method === "POST" && typeof init.body === "string") {
        const { method } = JSON.parse(init.body) as { method?: string };
        if (method)
          sent.set(method, { url: String(input), init: { ...init, headers: new Headers(init.headers) } });
      }
      return fetch(input, init);
    },
    replay: (method) => async () => {
      const request = sent.get(method);
      if (!request) throw new Error(`no ${method} request was recorded`);
      const response = await fetch(request.url, request.init);
      if (!response.ok) throw new Error(`${method} replay answered ${response.status}`);
      return response.text();
    },
  };
}

/** Milliseconds per call of each operation, `rounds` times, interleaved so drift hits all alike. */
export async function roundTrips(
  operations: Record<string, () => Promise<unknown>>,
  rounds: number,
  warmup = 20,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [name, operation] of Object.entries(operations)) {
      const begun = performance.now();
      await operation();
      const elapsed = performance.now() - begun;
      if (round >= warmup) samples[name] = [...(samples[name] ?? []), elapsed];
    }
  }
  return samples;
}

/** `@bytes n` through MCP: start call to the last byte visible in kiro_task_status. */
export async function mcpThroughput(client: Client, sessionId: string, bytes: number): Promise<Throughput> {
  const begun = performance.now();
  const taskId = await startTask(client, sessionId, `@bytes ${bytes}`);
  let lastByteAt = begun;
  const { chunks, final, polls } = await pollUntilDone(client, taskId, {
    waitMs: LONG_POLL_MS,
    deadlineMs: 120_000,
    onPoll: (status) => {
      if (status.new_chunks.length > 0) lastByteAt = performance.now();
    },
  });
  if (final.status !== "completed") throw new Error(`@bytes task ended ${final.status}: ${final.error}`);
  const exact = textOf(chunks) === stubBytesOutput(bytes).clean;
  return { bytes, elapsedMs: lastByteAt - begun, reads: polls, chunks: chunks.length, exact };
}

/** `@bytes n` straight from the runner's event stream: the same run without the Worker. */
export async function runnerThroughput(runner: RunnerTarget, bytes: number): Promise<Throughput> {
  const begun = performance.now();
  const runId = await startRun(runner, { message: `@bytes ${bytes}` });
  let lastByteAt = begun;
  let reads = 0;
  const texts: string[] = [];
  for await (const event of readEvents(runner, runId)) {
    reads++;
    if (event.type !== "output") continue;
    texts.push(event.text);
    lastByteAt = performance.now();
  }
  const exact = texts.join("") === stubBytesOutput(bytes).clean;
  return { bytes, elapsedMs: lastByteAt - begun, reads, chunks: texts.length, exact };
}
