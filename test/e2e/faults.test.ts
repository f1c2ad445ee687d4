/**
 * Faults over real HTTP (`npm run dev`: wrangler dev, the host runner, the kiro-cli stub): a hung
 * kiro-cli is stopped by the run timeout with its whole process tree, an empty "success" is a
 * failure, a client that drops a kiro_chat call loses nothing, and 10 MB of output arrives exactly.
 * One dev server for the file, with a short run timeout; each test makes its own Kiro session.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import { type DevServer, startDevServer } from "../helpers/dev-server.ts";
import { callTool, connectMcp, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";
import { descendants } from "../helpers/process-tree.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";

/** Long enough for the 10 MB run (about 0.5 s of stub writing), short enough to wait for. */
const RUN_TIMEOUT_MS = 4_000;
const CANCEL_GRACE_MS = 500;
const BULK_BYTES = 10_000_000;

let dev: DevServer;
let client: Client;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-faults-"));
  dev = await startDevServer({
    env: { KIRO_RUN_TIMEOUT_MS: String(RUN_TIMEOUT_MS), KIRO_CANCEL_GRACE_MS: String(CANCEL_GRACE_MS) },
  });
});
afterAll(async () => {
  await dev?.stop();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(async (context) => {
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

async function start(message: string): Promise<string> {
  const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message,
    session_id: await newSession(),
  });
  expect(started.isError, started.text).toBe(false);
  return started.data.task_id;
}

/** Stub processes (kiro-cli.mjs) anywhere under the dev server. */
function stubsUnderDevServer(): string[] {
  return descendants(dev.pid)
    .map((ref) => ref.command)
    .filter((command) => command.includes("kiro-cli.mjs"));
}

describe("kiro-cli hangs with no output", () => {
  it.each([
    ["and stops on SIGTERM", ""],
    ["and ignores SIGTERM", "@ignore-sigterm\n"],
  ])("%s: the task fails with reason timeout and no process is left", async (_name, extra) => {
    const pidfile = path.join(mkdtempSync(path.join(scratch, "hang-")), "pids.json");
    const begun = Date.now();
    const taskId = await start(`@child\n@pidfile ${pidfile}\n${extra}@hang`);
    const pids = await waitFor(
      () =>
        existsSync(pidfile)
          ? (JSON.parse(readFileSync(pidfile, "utf8")) as { pid: number; child: number })
          : undefined,
      10_000,
      "the stub's pidfile",
    );
    expect(isAlive(pids.pid)).toBe(true);
    expect(isAlive(pids.child)).toBe(true);

    const { chunks, final } = await pollUntilDone(client, taskId, { waitMs: 2_000, deadlineMs: 30_000 });
    const elapsed = Date.now() - begun;
    expect(final.status).toBe("failed");
    expect(final.reason).toBe("timeout");
    expect(final.error).toBe(
      `kiro-cli did not finish within ${RUN_TIMEOUT_MS} ms (KIRO_RUN_TIMEOUT_MS) and was stopped`,
    );
    expect(chunks).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(RUN_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(RUN_TIMEOUT_MS + CANCEL_GRACE_MS + 5_000);
    // The runner reports the end only once the process group is gone: the stub and its grandchild.
    expect(isAlive(pids.pid), `stub ${pids.pid}`).toBe(false);
    expect(isAlive(pids.child), `grandchild ${pids.child}`).toBe(false);
    expect(stubsUnderDevServer()).toEqual([]);
  });
});

it("fails a task whose kiro-cli exits 0 with nothing on stdout, quoting its stderr", async () => {
  const taskId = await start("@empty");
  const { chunks, final } = await pollUntilDone(client, taskId);
  const stderrText = "error: model request failed: the service returned no content";
  expect(final.status).toBe("failed");
  expect(final.reason).toBe("exited");
  expect(final.error).toBe(
    `kiro-cli exited 0 without output (check that KIRO_API_KEY is valid): ${stderrText}`,
  );
  expect(final.result).toBeUndefined();
  expect(textOf(chunks)).toBe("");
  expect(chunks.every((chunk) => chunk.kind === "stderr")).toBe(true);
  expect(chunks.map((chunk) => chunk.content).join("")).toBe(`${stderrText}\n`);
});

it("keeps a task going when the client drops its kiro_chat call, with all its output", async () => {
  const lines = 30;
  const sessionId = await newSession();
  const controller = new AbortController();
  const response = await fetch(dev.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "kiro_chat",
        arguments: { message: `@lines ${lines}\n@delay 60`, session_id: sessionId },
        _meta: { progressToken: "drop-me" },
      },
    }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  await firstProgress(response);
  controller.abort();

  const listed = await callTool<{ tasks: Array<{ task_id: string; status: string }> }>(
    client,
    "kiro_task_list",
    {
      session_id: sessionId,
      include_done: true,
    },
  );
  expect(listed.isError, listed.text).toBe(false);
  expect(listed.data.tasks).toHaveLength(1);
  const [task] = listed.data.tasks;
  expect(task?.status).toBe("running");
  const { chunks, final } = await pollUntilDone(client, task?.task_id ?? "");
  expect(final.status).toBe("completed");
  const expected = Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join("");
  expect(textOf(chunks)).toBe(expected);
  expect(final.result).toBe(expected);
});

/** Reads the SSE body until the first progress notification; throws if the stream ends first. */
async function firstProgress(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error("no response body");
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before any progress notification:\n${text}`);
    text += decoder.decode(value, { stream: true });
    if (text.includes('"method":"notifications/progress"')) return;
  }
}

it("delivers 10 MB of output exactly: every poll's new_content joined is the clean text", async () => {
  const { clean } = stubBytesOutput(BULK_BYTES);
  const taskId = await start(`@bytes ${BULK_BYTES}`);
  const pieces: string[] = [];
  const { chunks, final, polls } = await pollUntilDone(client, taskId, {
    waitMs: 5_000,
    deadlineMs: 50_000,
    onPoll: (status: StatusLike) => pieces.push(status.new_content),
  });
  expect(final.status, final.error).toBe("completed");
  expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
  expect(chunks.every((chunk) => chunk.kind === "text")).toBe(true);
  const received = pieces.join("");
  expect(firstDifference(received, clean)).toBeUndefined();
  expect(polls).toBeGreaterThan(1);
  const done = final as StatusLike & { total_bytes_received: number; result_truncated?: boolean };
  expect(done.total_bytes_received).toBe(Buffer.byteLength(clean, "utf8"));
  // The result carries the head of the answer; the chunks carry all of it.
  expect(done.result_truncated).toBe(true);
  expect(clean.startsWith(done.result ?? "-")).toBe(true);
});

/** Where two long texts first differ, with some context, or undefined when they are equal. */
function firstDifference(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 40), at + 40));
  return `lengths ${actual.length} and ${expected.length}; first difference at ${at}: ${around(actual)} vs ${around(expected)}`;
}
