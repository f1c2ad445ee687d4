/**
 * A shared host runner serves many sessions: runs that end together must keep their events until
 * their readers come for them. The runner keeps at least four finished runs per run that may be
 * active, so even KIRO_MAX_ACTIVE_RUNS runs ending at once, unread, are all still readable.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { collectEvents, exitOf, request, startRun, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

/** More than the 32 finished runs a runner keeps whatever its KIRO_MAX_ACTIVE_RUNS. */
const RUNS = 36;

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "headless", KIRO_MAX_ACTIVE_RUNS: String(RUNS) } });
});

afterAll(async () => {
  await runner?.stop();
});

async function ended(runId: string): Promise<void> {
  for (;;) {
    const summary = await request<{ status: string }>(runner, "GET", `/runs/${runId}`);
    if (summary.body?.status !== "running") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it("keeps the events of as many runs as may be active, all ended and none read yet", async () => {
  const runIds = await Promise.all(
    Array.from({ length: RUNS }, (_, i) => startRun(runner, { message: `@lines 1\nrun ${i}` })),
  );
  for (const runId of runIds) await ended(runId);
  for (const runId of runIds) {
    const events = await collectEvents(runner, runId);
    expect(exitOf(events).status).toBe("completed");
    expect(textOf(events)).toContain("line 1");
  }
}, 120_000);
