/**
 * The runner on SIGTERM, as Cloudflare sends it to a container a deploy replaces (15 minutes
 * before SIGKILL): running turns get KIRO_SHUTDOWN_GRACE_MS to finish while readers keep
 * following them, new runs are refused with 503 shutting_down, a turn that outlasts the grace
 * period ends with reason shutdown and words saying what to do, and a second signal cuts the
 * drain short. The real runner process with the stand-in kiro-cli (ACP).
 */
import { describe, expect, it } from "vitest";
import type { RunEvent, RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { collectEvents, exitOf, readEvents, request, startRun, textOf } from "../helpers/runner-client.ts";
import { type RunnerExit, type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

function drainingRunner(graceMs: number): Promise<RunnerProcess> {
  return startRunner({ env: { KIRO_DRIVER: "acp", KIRO_SHUTDOWN_GRACE_MS: String(graceMs) } });
}

/** Reads the run's events; sends SIGTERM at its first output and returns when the runner has exited. */
async function signalledAtFirstOutput(runner: RunnerProcess, runId: string, onSignal?: () => Promise<void>) {
  const events: RunEvent[] = [];
  let exited: Promise<RunnerExit> | undefined;
  let signalledAt = 0;
  for await (const event of readEvents(runner, runId)) {
    events.push(event);
    if (event.type !== "output" || exited !== undefined) continue;
    signalledAt = Date.now();
    exited = runner.stop("SIGTERM", 30_000);
    await onSignal?.();
  }
  return { events, signalledAt, exit: await exited };
}

describe("SIGTERM drains the runner", () => {
  it("lets a running turn finish, refusing new runs and serving its readers meanwhile, then exits 0", async () => {
    const runner = await drainingRunner(20_000);
    const runId = await startRun(runner, { message: "@lines 5\n@delay 300", session_key: "deploy" });
    let refused: { status: number; body: RunnerErrorBody } | undefined;
    let resumed: Promise<RunEvent[]> | undefined;
    const { events, exit } = await signalledAtFirstOutput(runner, runId, async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      refused = await request<RunnerErrorBody>(runner, "POST", "/runs", {
        run_id: "after-sigterm",
        message: "hi",
        cwd: "",
        session_key: "other",
      });
      // A reader that lost its stream reconnects and resumes, as the session object does.
      resumed = collectEvents(runner, runId, 1);
    });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitOf(events)).toMatchObject({ status: "completed", reason: "exited" });
    expect(textOf(events)).toContain("line 5");
    expect(refused?.status).toBe(503);
    expect(refused?.body.error.code).toBe("shutting_down");
    expect(refused?.body.error.message).toContain("shutting down");
    expect(exitOf(await (resumed as Promise<RunEvent[]>))).toEqual(exitOf(events));
  });

  it("ends a turn that outlasts KIRO_SHUTDOWN_GRACE_MS with reason shutdown, saying what to do", async () => {
    const graceMs = 1_000;
    const runner = await drainingRunner(graceMs);
    const runId = await startRun(runner, { message: "@lines 1\n@hang", session_key: "long" });
    const { events, signalledAt, exit } = await signalledAtFirstOutput(runner, runId);
    expect(exit).toEqual({ code: 0, signal: null });
    const end = exitOf(events);
    expect(end).toMatchObject({ status: "failed", reason: "shutdown" });
    expect(end.error).toContain("before this turn could finish");
    expect(end.error).toContain("Send the message again to continue in this session");
    expect(end.at - signalledAt).toBeGreaterThanOrEqual(graceMs - 50);
  });

  it("stops at once on a second signal", async () => {
    const runner = await drainingRunner(600_000);
    const runId = await startRun(runner, { message: "@lines 1\n@hang", session_key: "impatient" });
    const { events, signalledAt, exit } = await signalledAtFirstOutput(runner, runId, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(runner.pid, "SIGTERM");
    });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "shutdown" });
    expect(exitOf(events).at - signalledAt).toBeLessThan(10_000);
  });
});
