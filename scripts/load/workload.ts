/**
 * The workload of `npm run load`: each session runs chatty tasks back to back until the load phase
 * ends; each task is followed from chunk 0 to its end by that session's pollers, every one with its
 * own cursor, and every poller's text is compared with what the stub wrote. Nothing is retried:
 * a failed call, a gap in chunk indices or a text that differs is an error.
 */
import { performance } from "node:perf_hooks";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { messageOf } from "../../container/src/protocol/index.ts";
import { stubBytesOutput } from "../../test/fixtures/stub-output.mjs";
import { firstDifference } from "../../test/helpers/first-difference.ts";
import { pollUntilDone, type StatusLike, textOf } from "../../test/helpers/mcp-client.ts";
import { startTask } from "../bench/measures.ts";

/** What each task asks the stub for, and the clean text it must produce. */
export interface TaskShape {
  message: string;
  expected: string;
}

export function linesTask(lines: number, delayMs: number): TaskShape {
  return {
    message: `@lines ${lines}\n@delay ${delayMs}`,
    expected: Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join(""),
  };
}

export function bytesTask(bytes: number): TaskShape {
  return { message: `@bytes ${bytes}`, expected: stubBytesOutput(bytes).clean };
}

export interface LoadLimits {
  /** No task starts after this time (Date.now()); tasks running then are read to their end. */
  endsAt: number;
  /** All MCP calls together; reaching it is an error, so a run never outgrows it. */
  maxRequests: number;
  /** wait_ms of each kiro_task_status long-poll. */
  waitMs: number;
}

export interface LoadStats {
  requests: number;
  polls: number;
  /** Milliseconds per kiro_task_status call (a long-poll: it includes waiting for output). */
  pollMs: number[];
  startMs: number[];
  /** UTF-8 bytes of new_content over all polls of all pollers. */
  bytesRead: number;
  tasks: number;
  /** Whole-task reads by pollers (each poller reads each task of its session once). */
  reads: number;
  /** Poller reads of a whole task that matched the expected text exactly. */
  exactReads: number;
  errors: string[];
}

export function emptyStats(): LoadStats {
  return {
    requests: 0,
    polls: 0,
    pollMs: [],
    startMs: [],
    bytesRead: 0,
    tasks: 0,
    reads: 0,
    exactReads: 0,
    errors: [],
  };
}

/** One session: `starter` starts its tasks, `pollers` read each of them in full. */
export interface SessionLoad {
  sessionId: string;
  starter: Client;
  pollers: Client[];
}

/**
 * Runs one short turn in every session, `concurrency` at a time, before the load phase: a
 * session's first turn starts its kiro-cli (`kiro-cli acp` stays warm after it), and fifty of
 * those at once measure how fast one machine boots fifty processes, not how the server keeps up.
 * Returns how long it took; a failure stops the run.
 */
export async function warmSessions(sessions: SessionLoad[], concurrency: number): Promise<number> {
  const begun = performance.now();
  const queue = [...sessions];
  const worker = async () => {
    for (let load = queue.shift(); load; load = queue.shift()) {
      const taskId = await startTask(load.starter, load.sessionId, "@lines 1");
      const { final } = await pollUntilDone(load.starter, taskId, { waitMs: 5_000, deadlineMs: 120_000 });
      if (final.status !== "completed")
        throw new Error(`warm-up turn in ${load.sessionId} ended ${final.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - begun;
}

/**
 * The same-run baseline: every poller's client sends MCP pings back to back for `ms`, as many at
 * once as there are pollers and nothing else running. A ping is the cheapest MCP request (no
 * Durable Object, no runner), so its latency at this concurrency is what this machine and
 * `wrangler dev` give any request under the same number of clients. Returns milliseconds per ping.
 */
export async function pingBaseline(clients: readonly Client[], ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const endsAt = performance.now() + ms;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < endsAt) {
        const begun = performance.now();
        await client.ping();
        latencies.push(performance.now() - begun);
      }
    }),
  );
  return latencies;
}

/** Runs tasks in the session until the load phase ends (or an error stops it). */
export async function driveSession(
  load: SessionLoad,
  shape: TaskShape,
  limits: LoadLimits,
  stats: LoadStats,
): Promise<void> {
  while (Date.now() < limits.endsAt && stats.requests < limits.maxRequests) {
    const begun = performance.now();
    let taskId: string;
    try {
      count(stats, limits);
      taskId = await startTask(load.starter, load.sessionId, shape.message);
    } catch (error) {
      stats.errors.push(`${load.sessionId}: ${messageOf(error)}`);
      return;
    }
    stats.startMs.push(performance.now() - begun);
    const reads = await Promise.all(
      load.pollers.map((poller) => follow(poller, taskId, shape, limits, stats)),
    );
    stats.tasks++;
    if (reads.includes(false)) return;
  }
}

/** Reads one task from chunk 0 to its end; true when the text was exactly the expected one. */
async function follow(
  client: Client,
  taskId: string,
  shape: TaskShape,
  limits: LoadLimits,
  stats: LoadStats,
): Promise<boolean> {
  // pollUntilDone calls onPoll right after each call returns, so the time between two onPoll
  // calls is one call's round trip (its own work in between is a loop over the chunks).
  let last = performance.now();
  const pieces: string[] = [];
  stats.reads++;
  try {
    count(stats, limits);
    const { chunks, final } = await pollUntilDone(client, taskId, {
      waitMs: limits.waitMs,
      deadlineMs: limits.endsAt - Date.now() + 120_000,
      onPoll: (status: StatusLike) => {
        const now = performance.now();
        stats.pollMs.push(now - last);
        stats.polls++;
        stats.bytesRead += Buffer.byteLength(status.new_content, "utf8");
        pieces.push(status.new_content);
        last = now;
        if (!(status.is_done && !status.has_more)) count(stats, limits);
      },
    });
    if (final.status !== "completed") throw new Error(`ended ${final.status}: ${final.error ?? ""}`);
    const difference =
      firstDifference(pieces.join(""), shape.expected) ?? firstDifference(textOf(chunks), shape.expected);
    if (difference !== undefined) throw new Error(`output differs: ${difference}`);
    stats.exactReads++;
    return true;
  } catch (error) {
    stats.errors.push(`${taskId}: ${messageOf(error)}`);
    return false;
  }
}

/** Counts one MCP call; throws once the run's request bound is reached. */
function count(stats: LoadStats, limits: LoadLimits): void {
  if (stats.requests >= limits.maxRequests) throw new Error(`request bound of ${limits.maxRequests} reached`);
  stats.requests++;
}
