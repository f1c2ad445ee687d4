/**
 * The runner's event streams and run lookups at their edges, against the real runner process
 * (headless, with the kiro-cli stand-in): a reader racing its own start waits for it instead of
 * hearing "not found", a start withdrawn by a cancel never runs, a quiet run's stream carries
 * heartbeats, and a reader that stops reading costs the runner no more than the run log.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventStreamLine, RunnerErrorBody, RunSummary } from "../../container/src/protocol/index.ts";
import { waitFor } from "../helpers/processes.ts";
import { collectEvents, exitOf, ndjsonLines, request, startRun, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

/** The run log the back-pressure test's runner keeps: small, so the bound is plain to see. */
const RUN_LOG_BYTES = 1024 * 1024;
const FLOOD_BYTES = 40_000_000;

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({
    env: { KIRO_DRIVER: "headless", KIRO_MAX_RUN_LOG_BYTES: String(RUN_LOG_BYTES) },
  });
});
afterAll(async () => {
  await runner.stop();
});

/**
 * Sends the head of a POST /runs now and its body when `send()` is called: the runner has the
 * request, but not yet the run id.
 */
function slowStart(body: Record<string, unknown>): { send(): void; response: Promise<string> } {
  const text = JSON.stringify(body);
  const socket = net.connect(runner.port, "127.0.0.1");
  socket.write(
    `POST /runs HTTP/1.1\r\nhost: runner\r\nx-kiro-runner-secret: ${runner.secret}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n`,
  );
  const response = new Promise<string>((resolve, reject) => {
    let received = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      received += chunk;
    });
    socket.once("end", () => resolve(received));
    socket.once("error", reject);
  });
  return { send: () => socket.write(text), response };
}

describe("starts are ordered before lookups", () => {
  it("a reader that asks for a run whose start is still being read gets its events, not run_not_found", async () => {
    const runId = `ordered-${randomUUID()}`;
    const start = slowStart({ run_id: runId, message: "@lines 3", cwd: "" });
    await sleep(200);
    const events = collectEvents(runner, runId);
    await sleep(300);
    start.send();
    expect(await start.response).toMatch(/^HTTP\/1\.1 201 /);
    const read = await events;
    expect(textOf(read)).toContain("line 3");
    expect(exitOf(read)).toMatchObject({ status: "completed" });
  });

  it("a cancel that arrives before its start withdraws it: the start is refused and nothing runs", async () => {
    const runId = `withdrawn-${randomUUID()}`;
    const cancel = await request<RunnerErrorBody>(runner, "POST", `/runs/${runId}/cancel`);
    expect([cancel.status, cancel.body.error.code]).toEqual([404, "run_not_found"]);
    const start = await request<RunnerErrorBody>(runner, "POST", "/runs", {
      run_id: runId,
      message: "hi",
      cwd: "",
    });
    expect([start.status, start.body.error.code]).toEqual([409, "run_exists"]);
    expect(start.body.error.message).toContain("cancelled before it started");
    const summary = await request(runner, "GET", `/runs/${runId}`);
    expect(summary.status).toBe(404);
  });

  it("a cancel that arrives while its start is being read stops the run once it starts", async () => {
    const runId = `cancel-racing-${randomUUID()}`;
    const start = slowStart({ run_id: runId, message: "@hang", cwd: "" });
    await sleep(200);
    const cancel = request<RunSummary>(runner, "POST", `/runs/${runId}/cancel`);
    await sleep(300);
    start.send();
    expect(await start.response).toMatch(/^HTTP\/1\.1 201 /);
    const cancelled = await cancel;
    expect([cancelled.status, cancelled.body.status]).toEqual([200, "cancelled"]);
  });
});

it("sends heartbeats on the stream of a run that is quiet, and none once it has ended", async () => {
  const runId = await startRun(runner, { message: "@hang" });
  const response = await fetch(`${runner.url}/runs/${runId}/events`, { headers: runner.headers });
  const lines: EventStreamLine[] = [];
  const reading = (async () => {
    for await (const line of ndjsonLines(response.body as ReadableStream<Uint8Array>)) {
      lines.push(JSON.parse(line) as EventStreamLine);
    }
  })();
  const beat = await waitFor(() => lines.find((line) => line.type === "heartbeat"), 12_000, "a heartbeat");
  expect(beat).toEqual({ type: "heartbeat", at: expect.any(Number), last_seq: 0 });
  await request(runner, "POST", `/runs/${runId}/cancel`);
  await reading;
  expect(lines.at(-1)).toMatchObject({ type: "exit", status: "cancelled" });
});

it("costs no more than the run log when the reader stops reading: its stream ends, and the rest is evicted", async () => {
  const runId = await startRun(runner, { message: `@bytes ${FLOOD_BYTES}` });
  const socket = net.connect(runner.port, "127.0.0.1");
  socket.write(
    `GET /runs/${runId}/events HTTP/1.1\r\nhost: runner\r\nx-kiro-runner-secret: ${runner.secret}\r\nconnection: close\r\n\r\n`,
  );
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.once("end", resolve));
  await waitFor(() => (chunks.length > 0 ? true : undefined), 5_000, "the response head");
  socket.pause();
  const finished = await waitFor(
    async () => {
      const summary = await request<RunSummary>(runner, "GET", `/runs/${runId}`);
      return summary.body.status === "running" ? undefined : summary.body;
    },
    30_000,
    "the run's end",
  );
  expect(finished.status).toBe("completed");
  socket.resume();
  await ended;
  const body = Buffer.concat(chunks).toString("utf8");
  const lines = body
    .slice(body.indexOf("\r\n\r\n") + 4)
    .split("\n")
    .filter((line) => line.startsWith("{"));
  const last = JSON.parse(lines.at(-1) ?? "{}") as EventStreamLine;
  // The stream stopped short of the exit: what the reader missed was evicted from the run log,
  // not held in the runner's socket buffer (all that came after the stall is what the kernel's
  // socket buffers held, a few MB; buffering everything would have delivered all 40 MB).
  expect(last.type).toBe("output");
  expect(Buffer.byteLength(body)).toBeLessThan(FLOOD_BYTES / 4);
  const resumed = await request<RunnerErrorBody>(
    runner,
    "GET",
    `/runs/${runId}/events?after=${"seq" in last ? last.seq : 0}`,
  );
  expect([resumed.status, resumed.body.error.code]).toEqual([410, "events_evicted"]);
});
