import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunSummary } from "../../container/src/protocol/index.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";
import { collectEvents, exitOf, readEvents, request, runToEnd, startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
});

afterAll(async () => {
  await runner?.stop();
});

interface Pids {
  pid: number;
  child: number;
}

/** Waits for the stub to write its pid file (it does so right after starting its grandchild). */
function waitPids(file: string): Promise<Pids> {
  return waitFor(
    () => {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as Pids;
      } catch {
        return undefined;
      }
    },
    5_000,
    `pid file ${file}`,
  );
}

/** Polls the run's summary until it has ended (for runs whose early events get evicted). */
function waitEnded(runner: RunnerProcess, runId: string): Promise<RunSummary> {
  return waitFor(async () => {
    const { body } = await request<RunSummary>(runner, "GET", `/runs/${runId}`);
    return body.status === "running" ? undefined : body;
  });
}

async function cancel(runner: RunnerProcess, runId: string) {
  return request<RunSummary>(runner, "POST", `/runs/${runId}/cancel`);
}

describe("stopping runs", () => {
  it("cancel kills the whole process group, grandchild included", async () => {
    const pidfile = path.join(runner.kiroHome, "cancel.pid");
    const runId = await startRun(runner, { message: `@pidfile ${pidfile}\n@child\n@hang` });
    const pids = await waitPids(pidfile);
    expect(isAlive(pids.pid) && isAlive(pids.child)).toBe(true);
    const cancelled = await cancel(runner, runId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    const exit = exitOf(await collectEvents(runner, runId));
    expect(exit).toMatchObject({ status: "cancelled", reason: "cancelled", signal: "SIGTERM" });
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
  });

  it("SIGKILLs a kiro-cli that ignores SIGTERM after the grace period", async () => {
    const pidfile = path.join(runner.kiroHome, "stubborn.pid");
    const runId = await startRun(runner, { message: `@pidfile ${pidfile}\n@child\n@ignore-sigterm\n@hang` });
    const pids = await waitPids(pidfile);
    const started = Date.now();
    await cancel(runner, runId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const exit = exitOf(await collectEvents(runner, runId));
    expect(exit).toMatchObject({ status: "cancelled", signal: "SIGKILL" });
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
  });

  it("cancel of a finished run changes nothing", async () => {
    const runId = await startRun(runner, { message: "quick" });
    const events = await collectEvents(runner, runId);
    const response = await cancel(runner, runId);
    expect(response.body).toMatchObject({ status: "completed", last_seq: events.length });
    expect(await collectEvents(runner, runId)).toEqual(events);
  });

  it("a reader following a run sees cancel end it with the exit event", async () => {
    const runId = await startRun(runner, { message: "@lines 1\n@hang-after-output" });
    const seen: RunEvent[] = [];
    for await (const event of readEvents(runner, runId)) {
      seen.push(event);
      if (event.type === "output") void cancel(runner, runId);
    }
    expect(seen.map((event) => event.type)).toEqual(["output", "exit"]);
    expect(exitOf(seen).status).toBe("cancelled");
  });
});

describe("runner limits", () => {
  let limited: RunnerProcess;

  beforeAll(async () => {
    limited = await startRunner({
      env: {
        KIRO_DRIVER: "headless",
        KIRO_RUN_TIMEOUT_MS: "700",
        KIRO_MAX_RUN_LOG_BYTES: "2000",
        KIRO_MAX_RUN_OUTPUT_BYTES: "100000",
        KIRO_MAX_ACTIVE_RUNS: "2",
      },
    });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it("times a hanging run out and says which setting to change", async () => {
    const exit = exitOf(await runToEnd(limited, { message: "@hang" }));
    expect(exit).toMatchObject({ status: "failed", reason: "timeout" });
    expect(exit.error).toContain("700 ms");
    expect(exit.error).toContain("KIRO_RUN_TIMEOUT_MS");
  });

  it("answers 410 events_evicted for events beyond the log budget", async () => {
    const runId = await startRun(limited, { message: "@lines 60\n@delay 3" });
    const summary = await waitEnded(limited, runId);
    const evicted = await request(limited, "GET", `/runs/${runId}/events?after=0`);
    expect(evicted.status).toBe(410);
    expect(evicted.body).toMatchObject({ error: { code: "events_evicted" } });
    const tail = await collectEvents(limited, runId, summary.last_seq - 1);
    expect(tail.map((event) => event.type)).toEqual(["exit"]);
  });

  it("stops a run that writes more than its output cap", async () => {
    const runId = await startRun(limited, { message: "@bytes 5000000" });
    const summary = await waitEnded(limited, runId);
    const [exit] = await collectEvents(limited, runId, summary.last_seq - 1);
    expect(exit).toMatchObject({ type: "exit", status: "failed", reason: "output_limit" });
    expect(exit?.type === "exit" && exit.error).toContain("KIRO_MAX_RUN_OUTPUT_BYTES");
    expect(exit?.type === "exit" && exit.output_bytes).toBeLessThanOrEqual(100_000);
  });

  it("refuses more active runs than allowed with too_many_runs", async () => {
    const a = await startRun(limited, { message: "@hang" });
    const b = await startRun(limited, { message: "@hang" });
    const third = await request(limited, "POST", "/runs", { run_id: "third", message: "m", cwd: "" });
    expect(third.status).toBe(429);
    await Promise.all([cancel(limited, a), cancel(limited, b)]);
  });
});
