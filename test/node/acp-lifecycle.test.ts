import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";
import { exitOf, health, pidIn, request, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let scratch: string;

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-acp-life-")));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Fresh KIRO_HOME and workspace that outlive a runner, so a second runner can pick them up. */
function dirs(name: string): { kiroHome: string; workspaceRoot: string } {
  const kiroHome = path.join(scratch, name, "home");
  const workspaceRoot = path.join(scratch, name, "workspace");
  mkdirSync(kiroHome, { recursive: true });
  mkdirSync(workspaceRoot, { recursive: true });
  return { kiroHome, workspaceRoot };
}

async function withRunner(
  options: Parameters<typeof startRunner>[0],
  body: (runner: RunnerProcess) => Promise<void>,
): Promise<void> {
  const runner = await startRunner({ ...options, env: { KIRO_DRIVER: "acp", ...options?.env } });
  try {
    await body(runner);
  } finally {
    await runner.stop();
  }
}

describe("ACP sessions across processes", () => {
  it("a restarted runner continues the conversation with session/load", async () => {
    const where = dirs("restart");
    let firstPid = 0;
    await withRunner(where, async (runner) => {
      firstPid = pidIn(
        await runToEnd(runner, { message: "@pid\nremember the word aubergine", session_key: "r" }),
      );
    });
    expect(isAlive(firstPid)).toBe(false);
    await withRunner(where, async (runner) => {
      const events = await runToEnd(runner, { message: "@pid\n@recall", session_key: "r", resume: true });
      expect(pidIn(events)).not.toBe(firstPid);
      expect(textOf(events)).toContain("remember the word aubergine");
      expect(updatesOf(events, "notice")).toEqual([]);
    });
  });

  it("falls back to session/new in the same turn when kiro-cli exits 0 on an unknown saved session", async () => {
    const where = dirs("lost");
    const stateFile = path.join(where.kiroHome, "runner-state", "acp-sessions.json");
    mkdirSync(path.dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify({ lost: { sessionId: "no-such-session", updatedAt: 1 } }));
    await withRunner(where, async (runner) => {
      const events = await runToEnd(runner, {
        message: "hello again\n@recall",
        session_key: "lost",
        resume: true,
      });
      expect(exitOf(events).status).toBe("completed");
      expect(updatesOf(events, "notice").map((event) => event.text)).toEqual([
        "could not resume the saved Kiro session (kiro-cli exited with code 0 during session/load); this turn starts a new conversation",
      ]);
      expect(textOf(events)).toContain("Kiro: I read your message (11 chars): hello again");
      expect(textOf(events)).toContain("recall: 0 earlier turn(s)");
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as Record<string, { sessionId: string }>;
      expect(saved.lost?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  it("stops an idle process after KIRO_ACP_IDLE_MS and resumes with a new one", async () => {
    await withRunner({ env: { KIRO_ACP_IDLE_MS: "300" } }, async (runner) => {
      const pid = pidIn(await runToEnd(runner, { message: "@pid\nbefore the nap", session_key: "idle" }));
      expect((await health(runner)).stats.warm_processes).toBe(1);
      await waitFor(async () => ((await health(runner)).stats.warm_processes === 0 ? true : undefined));
      await waitFor(() => (isAlive(pid) ? undefined : true), 5_000, "the idle kiro-cli to exit");
      const events = await runToEnd(runner, { message: "@pid\n@recall", session_key: "idle", resume: true });
      expect(pidIn(events)).not.toBe(pid);
      expect(textOf(events)).toContain("before the nap");
    });
  });

  it("fails a turn whose kiro-cli dies mid-turn with its code and stderr; the next turn gets a new one", async () => {
    await withRunner({}, async (runner) => {
      const crashed = await runToEnd(runner, {
        message: "@pid\n@stderr dying now\n@crash 7",
        session_key: "crash",
      });
      expect(textOf(crashed)).toMatch(/pid=\d+/);
      expect(exitOf(crashed)).toMatchObject({
        status: "failed",
        reason: "exited",
        exit_code: 7,
        error: "kiro-cli exited with code 7 during the turn: dying now",
        stderr_tail: "dying now\n",
      });
      expect(isAlive(pidIn(crashed))).toBe(false);
      const next = await runToEnd(runner, { message: "@pid\n@recall", session_key: "crash", resume: true });
      expect(exitOf(next).status).toBe("completed");
      expect(pidIn(next)).not.toBe(pidIn(crashed));
      expect(textOf(next)).toContain("@crash 7");
    });
  });
});

describe("ACP start-up failures", () => {
  it("ends a run with spawn_failed, and fails a command, when kiro-cli cannot be executed", async () => {
    const broken = path.join(scratch, "kiro-cli-broken");
    writeFileSync(broken, "#!/nonexistent/interpreter\n", { mode: 0o755 });
    await withRunner({ env: { KIRO_CLI_PATH: broken } }, async (runner) => {
      const exit = exitOf(await runToEnd(runner, { message: "hi", session_key: "broken" }));
      expect(exit).toMatchObject({ status: "failed", reason: "spawn_failed", exit_code: null });
      expect(exit.error).toContain("ENOENT");
      const command = await request<RunnerErrorBody>(runner, "POST", "/sessions/broken/command", {
        command: "/tools",
        cwd: "",
      });
      expect([command.status, command.body.error.code]).toEqual([500, "internal"]);
      expect(command.body.error.message).toContain("kiro-cli could not run /tools: ENOENT");
    });
  });

  it("refuses runs and commands without KIRO_API_KEY instead of starting a login", async () => {
    await withRunner({ env: { KIRO_API_KEY: undefined } }, async (runner) => {
      const run = await request<RunnerErrorBody>(runner, "POST", "/runs", {
        run_id: "r",
        message: "m",
        cwd: "",
        session_key: "s",
      });
      expect([run.status, run.body.error.code]).toEqual([503, "kiro_auth_missing"]);
      const command = await request<RunnerErrorBody>(runner, "POST", "/sessions/s/command", {
        command: "/tools",
        cwd: "",
      });
      expect([command.status, command.body.error.code]).toEqual([503, "kiro_auth_missing"]);
    });
  });
});

describe("runner stats", () => {
  it.each(["acp", "headless"] as const)("reports runs served and mean latencies under %s", async (driver) => {
    await withRunner({ env: { KIRO_DRIVER: driver } }, async (runner) => {
      const before = await health(runner);
      expect(before.driver).toBe(driver);
      expect(before.stats).toEqual({
        runs_served: 0,
        warm_processes: 0,
        mean_spawn_ms: null,
        mean_first_output_ms: null,
      });
      await runToEnd(runner, { message: "one", session_key: "stats" });
      await runToEnd(runner, { message: "two", session_key: "stats", resume: true });
      const after = (await health(runner)).stats;
      expect(after).toMatchObject({ runs_served: 2, warm_processes: driver === "acp" ? 1 : 0 });
      expect(after.mean_spawn_ms).toBeGreaterThanOrEqual(0);
      expect(after.mean_first_output_ms).toBeGreaterThanOrEqual(after.mean_spawn_ms ?? 0);
    });
  });
});
