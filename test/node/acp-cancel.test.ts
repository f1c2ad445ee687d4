import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunnerErrorBody, RunSummary } from "../../container/src/protocol/index.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";
import {
  collectEvents,
  exitOf,
  health,
  pidIn,
  readEvents,
  request,
  runToEnd,
  startRun,
  textOf,
} from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;

beforeAll(async () => {
  // KIRO_CANCEL_GRACE_MS is 500 (the helper's default): long enough for the stub to answer.
  runner = await startRunner({ env: { KIRO_DRIVER: "acp", KIRO_RUN_TIMEOUT_MS: "1500" } });
});

afterAll(async () => {
  await runner?.stop();
});

interface Pids {
  pid: number;
  child: number;
}

function waitPids(file: string): Promise<Pids> {
  return waitFor(() => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Pids;
    } catch {
      return undefined;
    }
  });
}

/** Starts a run and waits for its first event, so the prompt is with kiro-cli. */
async function startAndWait(
  message: string,
  sessionKey: string,
): Promise<{ runId: string; first: RunEvent }> {
  const runId = await startRun(runner, { message, session_key: sessionKey, resume: true });
  for await (const first of readEvents(runner, runId)) return { runId, first };
  throw new Error("the run ended without events");
}

const cancel = (runId: string) => request<RunSummary>(runner, "POST", `/runs/${runId}/cancel`);

describe("ACP cancellation", () => {
  it("sends session/cancel; an honoured cancel keeps the process warm for the next turn", async () => {
    const { runId, first } = await startAndWait("@pid\n@hang", "polite");
    const pid = pidIn([first]);
    const started = Date.now();
    expect((await cancel(runId)).body.status).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(450);
    const exit = exitOf(await collectEvents(runner, runId));
    expect(exit).toMatchObject({ status: "cancelled", reason: "cancelled", exit_code: null, signal: null });
    expect(isAlive(pid)).toBe(true);
    const next = await runToEnd(runner, { message: "@pid\n@recall", session_key: "polite", resume: true });
    expect(pidIn(next)).toBe(pid);
    expect(textOf(next)).toContain("recall: 1 earlier turn(s)");
  });

  it("kills the process group when kiro-cli ignores the cancel; the next turn starts a new one", async () => {
    const pidfile = path.join(runner.kiroHome, "ignore.pid");
    const { runId } = await startAndWait(
      `@pid\n@pidfile ${pidfile}\n@child\n@ignore-cancel\n@hang`,
      "stubborn",
    );
    const pids = await waitPids(pidfile);
    expect(isAlive(pids.child)).toBe(true);
    const started = Date.now();
    await cancel(runId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(exitOf(await collectEvents(runner, runId))).toMatchObject({
      status: "cancelled",
      signal: "SIGKILL",
    });
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
    const next = await runToEnd(runner, { message: "@pid\n@recall", session_key: "stubborn", resume: true });
    expect(exitOf(next).status).toBe("completed");
    expect(pidIn(next)).not.toBe(pids.pid);
    expect(textOf(next)).toContain("recall: 1 earlier turn(s)");
  });

  it("times a turn out and ends its whole process group, even when kiro-cli honours the cancel", async () => {
    const pidfile = path.join(runner.kiroHome, "timeout.pid");
    const runId = await startRun(runner, {
      message: `@pidfile ${pidfile}\n@child\n@hang`,
      session_key: "slow",
    });
    const pids = await waitPids(pidfile);
    const exit = exitOf(await collectEvents(runner, runId));
    expect(exit).toMatchObject({ status: "failed", reason: "timeout" });
    expect(exit.error).toContain("1500 ms (KIRO_RUN_TIMEOUT_MS)");
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
  });
});

describe("session endpoints", () => {
  it("DELETE /sessions/:key cancels the running turn, stops kiro-cli and forgets the conversation", async () => {
    const { runId, first } = await startAndWait("@pid\n@hang", "ending");
    const pid = pidIn([first]);
    expect((await request(runner, "DELETE", "/sessions/ending")).status).toBe(200);
    expect(exitOf(await collectEvents(runner, runId)).status).toBe("cancelled");
    await waitFor(() => (isAlive(pid) ? undefined : true), 5_000, "kiro-cli to stop");
    const next = await runToEnd(runner, { message: "@recall", session_key: "ending", resume: true });
    expect(textOf(next)).toContain("recall: 0 earlier turn(s)");
  });

  it("POST /sessions/:key/reset starts the next turn in a new conversation; refused while a turn runs", async () => {
    const first = await runToEnd(runner, { message: "@pid\nremember me", session_key: "clear" });
    expect((await request(runner, "POST", "/sessions/clear/reset")).body).toEqual({});
    await waitFor(() => (isAlive(pidIn(first)) ? undefined : true), 5_000, "kiro-cli to stop");
    const next = await runToEnd(runner, { message: "@recall", session_key: "clear", resume: true });
    expect(textOf(next)).toContain("recall: 0 earlier turn(s)");
    const { runId } = await startAndWait("@lines 1\n@hang", "clear");
    const refused = await request<RunnerErrorBody>(runner, "POST", "/sessions/clear/reset");
    expect([refused.status, refused.body.error.code]).toEqual([429, "too_many_runs"]);
    await cancel(runId);
  });

  it("answers 200 for sessions it never saw, and 400 for a bad key", async () => {
    expect((await request(runner, "POST", "/sessions/never-seen/reset")).status).toBe(200);
    expect((await request(runner, "DELETE", "/sessions/never-seen")).status).toBe(200);
    const bad = await request<RunnerErrorBody>(runner, "DELETE", "/sessions/-bad");
    expect([bad.status, bad.body.error.code]).toEqual([400, "bad_request"]);
    expect((await health(runner)).runs_active).toBe(0);
  });
});

describe("runner shutdown under ACP", () => {
  it("on SIGTERM ends the running turn with reason shutdown, stops every kiro-cli and exits 0", async () => {
    const own = await startRunner({ env: { KIRO_DRIVER: "acp" } });
    const idle = pidIn(await runToEnd(own, { message: "@pid", session_key: "idle" }));
    const runId = await startRun(own, { message: "@pid\n@hang", session_key: "busy" });
    const events: RunEvent[] = [];
    let stopped: Promise<unknown> | undefined;
    for await (const event of readEvents(own, runId)) {
      events.push(event);
      if (event.type === "output") stopped = own.stop("SIGTERM");
    }
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "shutdown" });
    expect(isAlive(pidIn(events))).toBe(false);
    expect(isAlive(idle)).toBe(false);
  });
});
