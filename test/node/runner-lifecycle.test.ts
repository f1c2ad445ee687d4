import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type {
  RunEvent,
  RunnerErrorBody,
  RunnerHealth,
  RunSummary,
} from "../../container/src/protocol/index.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";
import { collectEvents, exitOf, readEvents, request, startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

/** Starts a runner for one test and always stops it. */
async function withRunner(
  env: Record<string, string | undefined>,
  body: (runner: RunnerProcess) => Promise<void>,
): Promise<void> {
  const runner = await startRunner({ env: { KIRO_DRIVER: "headless", ...env } });
  try {
    await body(runner);
  } finally {
    await runner.stop();
  }
}

describe("runner start-up checks", () => {
  it("refuses runs with 503 kiro_cli_missing when kiro-cli cannot be found", async () => {
    await withRunner({ KIRO_CLI_PATH: "/nonexistent/kiro-cli" }, async (runner) => {
      const health = await request<RunnerHealth>(runner, "GET", "/health");
      expect(health.body.kiro_cli).toEqual({ path: "/nonexistent/kiro-cli", found: false });
      const start = await request<RunnerErrorBody>(runner, "POST", "/runs", {
        run_id: "r",
        message: "m",
        cwd: "",
      });
      expect(start.status).toBe(503);
      expect(start.body.error.code).toBe("kiro_cli_missing");
      expect(start.body.error.message).toContain("KIRO_CLI_PATH=/nonexistent/kiro-cli");
    });
  });

  it("looks a bare command name up on PATH", async () => {
    const fixtures = path.dirname(new URL("../fixtures/kiro-cli.mjs", import.meta.url).pathname);
    await withRunner(
      { KIRO_CLI_PATH: "kiro-cli.mjs", PATH: `${fixtures}:${process.env.PATH}` },
      async (runner) => {
        const health = await request<RunnerHealth>(runner, "GET", "/health");
        expect(health.body.kiro_cli).toEqual({ path: path.join(fixtures, "kiro-cli.mjs"), found: true });
      },
    );
  });

  it("refuses runs with 503 kiro_auth_missing without KIRO_API_KEY", async () => {
    await withRunner({ KIRO_API_KEY: undefined }, async (runner) => {
      const start = await request<RunnerErrorBody>(runner, "POST", "/runs", {
        run_id: "r",
        message: "m",
        cwd: "",
      });
      expect(start.status).toBe(503);
      expect(start.body.error.code).toBe("kiro_auth_missing");
      expect(start.body.error.message).toContain("KIRO_API_KEY");
      expect(start.body.error.message).toContain("KIRO_ALLOW_LOCAL_LOGIN=1");
    });
  });

  it("starts runs without a key when KIRO_ALLOW_LOCAL_LOGIN=1", async () => {
    await withRunner({ KIRO_API_KEY: "", KIRO_ALLOW_LOCAL_LOGIN: "1" }, async (runner) => {
      const runId = await startRun(runner, { message: "hello" });
      // The stub has no login either, so it waits at the device-login prompt like the real CLI.
      const [first] = await firstEvents(runner, runId, 1);
      expect(first).toMatchObject({ type: "stderr", text: expect.stringContaining("device") });
      await request(runner, "POST", `/runs/${runId}/cancel`);
    });
  });

  it("ends a run with spawn_failed when kiro-cli exists but cannot be executed", async () => {
    const broken = path.join(os.tmpdir(), `kiro-cli-broken-${process.pid}`);
    writeFileSync(broken, "#!/nonexistent/interpreter\n", { mode: 0o755 });
    try {
      await withRunner({ KIRO_CLI_PATH: broken }, async (runner) => {
        const exit = exitOf(await collectEvents(runner, await startRun(runner, { message: "hi" })));
        expect(exit).toMatchObject({ status: "failed", reason: "spawn_failed", exit_code: null });
        expect(exit.error).toContain("ENOENT");
      });
    } finally {
      rmSync(broken, { force: true });
    }
  });

  it("refuses to start in host mode without a secret", async () => {
    const failure = await startRunner({ env: { KIRO_RUNNER_SECRET: undefined } }).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain("code 2");
    expect(String(failure)).toContain("KIRO_RUNNER_SECRET is required when KIRO_RUNNER_MODE=host");
  });

  it("deletes finished runs' events after the retention period, keeping how they ended", async () => {
    await withRunner({ KIRO_RUN_RETENTION_MS: "0" }, async (runner) => {
      const runId = await startRun(runner, { message: "short-lived" });
      const events = await collectEvents(runner, runId);
      // Until the retention timer has run, the events are still served (NDJSON, not one JSON body).
      const gone = await waitFor(async () => {
        const response = await fetch(`${runner.url}/runs/${runId}/events`, { headers: runner.headers });
        if (response.status !== 410) {
          await response.body?.cancel();
          return undefined;
        }
        return { body: (await response.json()) as unknown };
      });
      const error = (gone.body as RunnerErrorBody).error;
      expect(error.code).toBe("run_expired");
      expect(error.message).toContain("ended (completed)");
      expect(error.message).toContain("KIRO_RUN_RETENTION_MS");
      const summary = await request<RunSummary>(runner, "GET", `/runs/${runId}`);
      expect(summary.status).toBe(200);
      expect(summary.body).toMatchObject({ run_id: runId, status: "completed", last_seq: events.length });
      // The run id stays taken: starting it again is refused.
      const again = await request<RunnerErrorBody>(runner, "POST", "/runs", {
        run_id: runId,
        message: "m",
        cwd: "",
      });
      expect([again.status, again.body.error.code]).toEqual([409, "run_exists"]);
    });
  });
});

describe("runner shutdown", () => {
  it("on SIGTERM ends active runs with reason shutdown, kills their groups and exits 0", async () => {
    const runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
    const pidfile = path.join(runner.kiroHome, "shutdown.pid");
    const runId = await startRun(runner, {
      message: `@pidfile ${pidfile}\n@child\n@lines 1\n@hang-after-output`,
    });
    const events: RunEvent[] = [];
    let exit: Promise<unknown> | undefined;
    let pids = { pid: 0, child: 0 };
    for await (const event of readEvents(runner, runId)) {
      events.push(event);
      if (event.type !== "output") continue;
      // The stub wrote its pid file before its output and now hangs: stop the runner.
      pids = JSON.parse(readFileSync(pidfile, "utf8")) as typeof pids;
      exit = runner.stop("SIGTERM");
    }
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(events.map((event) => event.type)).toEqual(["output", "exit"]);
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "shutdown" });
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
  });

  it("exits at once when idle", async () => {
    const runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
    const health = await request<RunnerHealth>(runner, "GET", "/health");
    expect(health.body.runs_active).toBe(0);
    const started = Date.now();
    expect(await runner.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

/** The first `count` events of a run, then disconnects. */
async function firstEvents(runner: RunnerProcess, runId: string, count: number): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of readEvents(runner, runId)) {
    events.push(event);
    if (events.length >= count) break;
  }
  return events;
}
