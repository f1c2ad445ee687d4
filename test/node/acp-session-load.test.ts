/**
 * Resuming a conversation with session/load as the real kiro-cli does it: the whole history is
 * replayed before the answer (KIRO_ACP_START_TIMEOUT_MS must measure progress, not wall time),
 * a load that goes silent ends in a fresh conversation with a notice instead of a hang, and a
 * lock file left by a killed kiro-cli ("Session is active in another process") is released when
 * its holder is gone and respected when it lives.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/processes.ts";
import { exitOf, pidIn, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

// Room for a stand-in kiro-cli (a Node process) to start on a loaded machine.
const START_TIMEOUT_MS = 2_500;

let scratch: string;

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-acp-load-")));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** KIRO_HOME and workspace that outlive a runner, so the next runner has to session/load. */
function dirs(name: string): { kiroHome: string; workspaceRoot: string } {
  const kiroHome = path.join(scratch, name, "home");
  const workspaceRoot = path.join(scratch, name, "workspace");
  mkdirSync(kiroHome, { recursive: true });
  mkdirSync(workspaceRoot, { recursive: true });
  return { kiroHome, workspaceRoot };
}

/** A runner on `where`; `startTimeoutMs` short only where a test is about it. */
async function withRunner(
  where: ReturnType<typeof dirs>,
  body: (runner: RunnerProcess) => Promise<void>,
  startTimeoutMs = START_TIMEOUT_MS,
) {
  const env = { KIRO_DRIVER: "acp", KIRO_ACP_START_TIMEOUT_MS: String(startTimeoutMs) };
  const runner = await startRunner({ ...where, env });
  try {
    await body(runner);
  } finally {
    await runner.stop();
  }
}

/** Kills the session's kiro-cli and waits until the runner has seen it go. */
async function killKiro(runner: RunnerProcess, pid: number): Promise<void> {
  process.kill(pid, "SIGKILL");
  const ended = new RegExp(`"event":"acp_process_ended"[^\\n]*"pid":${pid},`);
  await waitFor(
    () => (ended.test(runner.stderr()) ? true : undefined),
    5_000,
    "the runner to see kiro-cli die",
  );
}

/** Three turns whose replay, at `delay` per update, takes 6 × delay. */
async function converse(runner: RunnerProcess, key: string, first: string): Promise<number> {
  const pid = pidIn(await runToEnd(runner, { message: `@pid\n${first}`, session_key: key, resume: true }));
  for (const message of ["second", "third"])
    await runToEnd(runner, { message, session_key: key, resume: true });
  return pid;
}

function savedSessionId(kiroHome: string, key: string): string {
  const saved = JSON.parse(readFileSync(path.join(kiroHome, "runner-state", "acp-sessions.json"), "utf8"));
  return (saved as Record<string, { sessionId: string }>)[key]?.sessionId ?? "";
}

describe("session/load", () => {
  it("waits for a replay that takes longer than KIRO_ACP_START_TIMEOUT_MS while it progresses", async () => {
    const where = dirs("slow");
    await withRunner(where, (runner) => converse(runner, "slow", "@replay-delay 1000").then(() => undefined));
    await withRunner(where, async (runner) => {
      const started = Date.now();
      const events = await runToEnd(runner, { message: "@recall", session_key: "slow", resume: true });
      expect(updatesOf(events, "notice")).toEqual([]);
      expect(textOf(events)).toContain("recall: 3 earlier turn(s)");
      expect(Date.now() - started).toBeGreaterThan(2 * START_TIMEOUT_MS);
    });
  });

  it("gives up on a load that goes silent, and goes on in a new conversation with a notice", async () => {
    const where = dirs("stall");
    await withRunner(where, (runner) => converse(runner, "stall", "@replay-stall").then(() => undefined));
    await withRunner(where, async (runner) => {
      const events = await runToEnd(runner, { message: "@recall", session_key: "stall", resume: true });
      expect(exitOf(events).status).toBe("completed");
      expect(updatesOf(events, "notice").map((event) => event.text)).toEqual([
        `could not resume the saved Kiro session (kiro-cli sent nothing for ${START_TIMEOUT_MS} ms while answering session/load (KIRO_ACP_START_TIMEOUT_MS) and was stopped); this turn starts a new conversation`,
      ]);
      expect(textOf(events)).toContain("recall: 0 earlier turn(s)");
    });
  });

  it("releases the lock a killed kiro-cli left on the conversation and loads it", async () => {
    const where = dirs("stale");
    await withRunner(
      where,
      async (runner) => {
        const pid = await converse(runner, "stale", "remember aubergine");
        await killKiro(runner, pid);
        const events = await runToEnd(runner, { message: "@recall", session_key: "stale", resume: true });
        expect(updatesOf(events, "notice")).toEqual([]);
        expect(textOf(events)).toContain("remember aubergine");
        expect(runner.stderr()).toContain('"acp_session_locked"');
      },
      120_000,
    );
  });

  it("releases a lock restored from a snapshot of another boot, though its pid now names a live process", async () => {
    const where = dirs("restored");
    await withRunner(
      where,
      async (runner) => {
        const pid = await converse(runner, "restored", "remember aubergine");
        await killKiro(runner, pid);
        const lock = path.join(
          where.kiroHome,
          "sessions",
          "cli",
          `${savedSessionId(where.kiroHome, "restored")}.lock`,
        );
        // As a restored snapshot has it: written an hour before this machine booted, by a kiro-cli
        // whose pid this boot has given to another process (this test's own).
        const bootS = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
        const writtenAt = new Date((bootS - 3_600) * 1000);
        writeFileSync(lock, JSON.stringify({ pid: process.pid, started_at: writtenAt.toISOString() }));
        utimesSync(lock, writtenAt, writtenAt);
        const events = await runToEnd(runner, { message: "@recall", session_key: "restored", resume: true });
        expect(updatesOf(events, "notice")).toEqual([]);
        expect(textOf(events)).toContain("remember aubergine");
        expect(runner.stderr()).toMatch(/"acp_session_locked"[^\n]*"released":true/);
      },
      120_000,
    );
  });

  it("leaves a lock held by a live process alone and starts a new conversation, saying why", async () => {
    const where = dirs("held");
    await withRunner(
      where,
      async (runner) => {
        const pid = await converse(runner, "held", "remember aubergine");
        await killKiro(runner, pid);
        const lock = path.join(
          where.kiroHome,
          "sessions",
          "cli",
          `${savedSessionId(where.kiroHome, "held")}.lock`,
        );
        // This test's own process: alive for as long as the test runs.
        writeFileSync(lock, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }));
        const events = await runToEnd(runner, { message: "@recall", session_key: "held", resume: true });
        expect(exitOf(events).status).toBe("completed");
        expect(updatesOf(events, "notice").map((event) => event.text)).toEqual([
          `could not resume the saved Kiro session (Kiro reports the conversation open in another kiro-cli process, and process ${process.pid} holding it is still running); this turn starts a new conversation`,
        ]);
        expect(textOf(events)).toContain("recall: 0 earlier turn(s)");
      },
      120_000,
    );
  });
});
