/**
 * Faults an operator meets, injected from outside as they happen, against `npm run dev` started
 * through npm (headless driver, the kiro-cli stand-in), driven by the real MCP client:
 *
 * - a cancel that arrives after kiro-cli finished, while the session still stores its output;
 * - a turn started while the runner is frozen, with a listing racing the start;
 * - a frozen runner (SIGSTOP) during cancel, session create and session end;
 * - a runner SIGKILLed mid-turn, with kiro-cli and its grandchild running;
 * - SIGTERM to the npm process alone.
 *
 * Tests run in order; the last one stops the dev server.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { firstDifference } from "../helpers/first-difference.ts";
import { callTool, connectMcp, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";
import { descendants, type ProcessRef, stillRunning } from "../helpers/process-tree.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";

const FLOOD_BYTES = 30_000_000;

const e2e = e2eSuite({ npm: true, env: { KIRO_DRIVER: "headless" } });
let scratch: string;
let frozen: number | undefined;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-runner-faults-"));
});
afterEach(() => thaw());
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function under(match: string): ProcessRef[] {
  return descendants(e2e.dev.pid).filter((ref) => ref.command.includes(match));
}

function runnerProcess(): ProcessRef {
  const [runner] = under("container/src/main.ts");
  if (runner === undefined) throw new Error("no runner under npm run dev");
  return runner;
}

function freeze(): void {
  frozen = runnerProcess().pid;
  process.kill(frozen, "SIGSTOP");
}

function thaw(): void {
  if (frozen !== undefined) process.kill(frozen, "SIGCONT");
  frozen = undefined;
}

async function start(message: string, sessionId?: string): Promise<string> {
  const started = await callTool<{ task_id: string }>(e2e.client, "kiro_chat_async", {
    message,
    session_id: sessionId ?? (await newSession(e2e.client)),
  });
  expect(started.isError, started.text).toBe(false);
  return started.data.task_id;
}

type Totals = StatusLike & { total_bytes_received: number; total_chunks: number };

async function status(taskId: string): Promise<Totals> {
  const read = await callTool<Totals>(e2e.client, "kiro_task_status", {
    task_id: taskId,
    from_chunk_index: 1_000_000,
  });
  expect(read.isError, read.text).toBe(false);
  return read.data;
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const begun = Date.now();
  const value = await work;
  return { value, ms: Date.now() - begun };
}

function lines(count: number): string {
  return Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join("");
}

it("a cancel after kiro-cli finished keeps its whole answer: the turn stays completed", async () => {
  const { clean } = stubBytesOutput(FLOOD_BYTES);
  const taskId = await start(`@bytes ${FLOOD_BYTES}`);
  await waitFor(() => (under("kiro-cli.mjs").length > 0 ? true : undefined), 10_000, "kiro-cli to start");
  await waitFor(() => (under("kiro-cli.mjs").length === 0 ? true : undefined), 30_000, "kiro-cli to exit");
  const before = await status(taskId);
  expect(before.status, "the session is still storing the output when the cancel comes").toBe("running");
  expect(before.total_bytes_received).toBeLessThan(Buffer.byteLength(clean));

  const cancelled = await callTool<StatusLike>(e2e.client, "kiro_task_cancel", { task_id: taskId });
  expect(cancelled.isError, cancelled.text).toBe(false);
  expect(["cancelling", "completed"]).toContain(cancelled.data.status);
  const { chunks, final } = await pollUntilDone(e2e.client, taskId, { waitMs: 5_000, deadlineMs: 90_000 });
  expect(final.status, final.error).toBe("completed");
  expect(firstDifference(textOf(chunks), clean)).toBeUndefined();
  expect((final as Totals).total_bytes_received).toBe(Buffer.byteLength(clean));
});

it("a turn started while the runner is frozen completes, even with a listing racing its start", async () => {
  const sessionId = await newSession(e2e.client);
  const other = await connectMcp(e2e.dev.mcpUrl);
  try {
    freeze();
    const started = callTool<{ task_id: string }>(e2e.client, "kiro_chat_async", {
      message: "@lines 5",
      session_id: sessionId,
    });
    await waitFor(
      async () => {
        const listed = await callTool<{ tasks: unknown[] }>(other, "kiro_task_list", {
          session_id: sessionId,
        });
        return listed.data.tasks.length > 0 ? true : undefined;
      },
      8_000,
      "the task in the listing",
    );
    await sleep(1_000);
    thaw();
    const value = await started;
    expect(value.isError, value.text).toBe(false);
    const { chunks, final } = await pollUntilDone(e2e.client, value.data.task_id);
    expect(final.status, final.error).toBe("completed");
    expect(textOf(chunks)).toBe(lines(5));
  } finally {
    await other.close();
  }
});

it("a frozen runner holds no call up, and the cancel completes once it thaws, keeping the output", async () => {
  const spare = await newSession(e2e.client);
  const taskId = await start("@lines 400\n@delay 25");
  await waitFor(async () => ((await status(taskId)).total_chunks > 0 ? true : undefined), 10_000, "output");
  freeze();
  const cancel = await timed(callTool<StatusLike>(e2e.client, "kiro_task_cancel", { task_id: taskId }));
  expect(cancel.ms).toBeLessThan(8_000);
  expect([cancel.value.data.status, cancel.value.data.is_done]).toEqual(["cancelling", false]);
  const create = await timed(callTool(e2e.client, "kiro_session_create"));
  expect(create.value.isError).toBe(true);
  expect(create.value.text).toContain("runner is not reachable");
  expect(create.ms).toBeLessThan(15_000);
  const end = await timed(callTool(e2e.client, "kiro_session_end", { session_id: spare }));
  expect(end.value.isError, end.value.text).toBe(false);
  expect(end.ms).toBeLessThan(15_000);
  thaw();

  const { chunks, final } = await pollUntilDone(e2e.client, taskId, { deadlineMs: 60_000 });
  expect([final.status, final.reason]).toEqual(["cancelled", "cancelled"]);
  const text = textOf(chunks);
  const count = text.split("\n").length - 1;
  expect(count).toBeGreaterThan(0);
  expect(text).toBe(lines(count));
});

it("a runner killed mid-turn is restarted, leaves nothing running, and the next turn runs", async () => {
  const sessionId = await newSession(e2e.client);
  const pidfile = path.join(mkdtempSync(path.join(scratch, "orphans-")), "pids.json");
  const taskId = await start(`@child\n@pidfile ${pidfile}\n@hang`, sessionId);
  const pids = await waitFor(
    () => {
      try {
        return JSON.parse(readFileSync(pidfile, "utf8")) as { pid: number; child: number };
      } catch {
        return undefined;
      }
    },
    10_000,
    "the stub's pid file",
  );
  const killed = runnerProcess();
  process.kill(killed.pid, "SIGKILL");
  await waitFor(() => (isAlive(pids.pid) || isAlive(pids.child) ? undefined : true), 10_000, "no leftovers");
  await waitFor(
    () => (under("container/src/main.ts")[0]?.pid ?? killed.pid) !== killed.pid || undefined,
    15_000,
  );

  const { final } = await pollUntilDone(e2e.client, taskId, { deadlineMs: 30_000 });
  expect([final.status, final.reason]).toEqual(["failed", "runner_lost"]);
  expect(final.error).toContain("restarted");
  const next = await pollUntilDone(e2e.client, await start("@lines 2", sessionId));
  expect(next.final.status, next.final.error).toBe("completed");
});

it("SIGTERM to the npm process alone stops everything npm run dev started", async () => {
  const tree = descendants(e2e.dev.pid);
  expect(tree.some((ref) => ref.command.includes("wrangler"))).toBe(true);
  expect(tree.some((ref) => ref.command.includes("container/src/main.ts"))).toBe(true);
  process.kill(e2e.dev.pid, "SIGTERM");
  const left = await stillRunning(tree, 20_000);
  expect(left.map((ref) => ref.command)).toEqual([]);
});
