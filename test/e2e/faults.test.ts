/**
 * Faults over real HTTP (`npm run dev`: wrangler dev, the host runner, the kiro-cli stub): a hung
 * kiro-cli is stopped by the run timeout with its whole process tree, an empty "success" is a
 * failure, a client that drops a kiro_chat call loses nothing, and 10 MB of output arrives exactly.
 * One dev server for the file, with a short run timeout; each test makes its own Kiro session.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import { e2eSuite, newSession } from "../helpers/e2e-suite.ts";
import { firstDifference } from "../helpers/first-difference.ts";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";
import { descendants } from "../helpers/process-tree.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";

/** Long enough for the 10 MB run (about 0.5 s of stub writing), short enough to wait for. */
const RUN_TIMEOUT_MS = 4_000;
const CANCEL_GRACE_MS = 500;
const BULK_BYTES = 10_000_000;

const e2e = e2eSuite({
  env: { KIRO_RUN_TIMEOUT_MS: String(RUN_TIMEOUT_MS), KIRO_CANCEL_GRACE_MS: String(CANCEL_GRACE_MS) },
});
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-faults-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function start(message: string): Promise<string> {
  const started = await callTool<{ task_id: string }>(e2e.client, "kiro_chat_async", {
    message,
    session_id: await newSession(e2e.client),
  });
  expect(started.isError, started.text).toBe(false);
  return started.data.task_id;
}

/** Stub processes (kiro-cli.mjs) anywhere under the dev server. */
function stubsUnderDevServer(): string[] {
  return descendants(e2e.dev.pid)
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

    const { chunks, final } = await pollUntilDone(e2e.client, taskId, { waitMs: 2_000, deadlineMs: 30_000 });
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

it("fails a task whose kiro-cli ends without output, quoting its stderr", async () => {
  const taskId = await start("@empty");
  const { chunks, final } = await pollUntilDone(e2e.client, taskId);
  const stderrText = "error: model request failed: the service returned no content";
  expect(final.status).toBe("failed");
  expect(final.reason).toBe("exited");
  // Headless: kiro-cli exits 0 with empty stdout; ACP: the turn ends (end_turn) with no update.
  expect(final.error).toMatch(
    /^kiro-cli (exited 0|ended the turn \(end_turn\)) without (any )?output \(check that KIRO_API_KEY is valid\): /,
  );
  expect(final.error?.endsWith(`: ${stderrText}`), final.error).toBe(true);
  expect(final.result).toBeUndefined();
  expect(textOf(chunks)).toBe("");
  expect(chunks.every((chunk) => chunk.kind === "stderr")).toBe(true);
  expect(chunks.map((chunk) => chunk.content).join("")).toBe(`${stderrText}\n`);
});

it("keeps a task going when the client drops its kiro_chat call, with all its output", async () => {
  const lines = 30;
  const sessionId = await newSession(e2e.client);
  const controller = new AbortController();
  const response = await fetch(e2e.dev.mcpUrl, {
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
    e2e.client,
    "kiro_task_list",
    { session_id: sessionId, include_done: true },
  );
  expect(listed.isError, listed.text).toBe(false);
  expect(listed.data.tasks).toHaveLength(1);
  const [task] = listed.data.tasks;
  expect(task?.status).toBe("running");
  const { chunks, final } = await pollUntilDone(e2e.client, task?.task_id ?? "");
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
  const { chunks, final, polls } = await pollUntilDone(e2e.client, taskId, {
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
