/**
 * Nothing a runner started outlives it: the real runner process is SIGKILLed mid-turn while the
 * kiro-cli stand-in and its grandchild run (@child, @hang), and the next runner started on the
 * same state directory stops them before it serves anything. A live runner's processes are never
 * touched by another runner sharing that directory. Both drivers: headless leaves kiro-cli and
 * its child behind; ACP's kiro-cli exits with its closed stdin and leaves the grandchild alone in
 * its group.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive, waitFor } from "../helpers/processes.ts";
import { startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

interface Pids {
  pid: number;
  child: number;
}

const made: string[] = [];
const runners: RunnerProcess[] = [];

afterEach(async () => {
  // SIGTERM: a runner's own shutdown stops its turns (a SIGKILLed one is stopped already).
  for (const runner of runners.splice(0)) await runner.stop();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

async function runner(kiroHome: string, driver: string): Promise<RunnerProcess> {
  const started = await startRunner({ kiroHome, env: { KIRO_DRIVER: driver } });
  runners.push(started);
  return started;
}

/** Starts a turn whose kiro-cli starts a grandchild and hangs; returns both pids once written. */
async function hangingTurn(target: RunnerProcess): Promise<Pids> {
  const pidfile = path.join(tempDir("kiro-orphans-"), "pids.json");
  await startRun(target, { message: `@child\n@pidfile ${pidfile}\n@hang`, session_key: "orphans" });
  return waitFor(
    () => {
      try {
        return JSON.parse(readFileSync(pidfile, "utf8")) as Pids;
      } catch {
        return undefined;
      }
    },
    10_000,
    "the stub's pid file",
  );
}

describe.each(["headless", "acp"])("%s driver", (driver) => {
  it("a runner killed mid-turn leaves nothing running once the next runner has started", async () => {
    const kiroHome = tempDir("kiro-orphans-home-");
    const first = await runner(kiroHome, driver);
    const pids = await hangingTurn(first);
    await first.stop("SIGKILL");
    expect(isAlive(pids.child), "the grandchild outlives its runner until someone reaps it").toBe(true);

    const second = await runner(kiroHome, driver);
    await waitFor(() => (isAlive(pids.pid) || isAlive(pids.child) ? undefined : true), 3_000, "no leftovers");
    expect(second.stderr()).toContain(`"event":"reaped_leftover_group","pgid":${pids.pid}`);
  });

  it("leaves the processes of a live runner sharing its state directory alone", async () => {
    const kiroHome = tempDir("kiro-orphans-home-");
    const first = await runner(kiroHome, driver);
    const pids = await hangingTurn(first);
    await runner(kiroHome, driver);
    expect(isAlive(pids.pid)).toBe(true);
    expect(isAlive(pids.child)).toBe(true);
  });
});
