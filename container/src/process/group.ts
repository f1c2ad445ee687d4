/**
 * Signalling and watching a whole process group. kiro-cli is started as the leader of its own
 * group, so the tools it runs (shells, builds, servers) are in that group too and go with it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { hasErrnoCode } from "../errors.ts";
import { allProcStats } from "./proc.ts";

const POLL_INTERVAL_MS = 20;

/** Sends `signal` to every process in group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (hasErrnoCode(error, "ESRCH")) return false;
    throw error;
  }
}

/**
 * True while group `pgid` has a live member. Zombies do not count: a killed orphan stays a
 * zombie until init reaps it, and some inits never do.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return linuxGroupHasLiveMember(pgid) ?? true;
}

/** Waits until group `pgid` has no live member, at most `timeoutMs`; true when it is gone. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_INTERVAL_MS);
  }
  return true;
}

/** Whether the group has a non-zombie member, from /proc; undefined where there is no /proc. */
function linuxGroupHasLiveMember(pgid: number): boolean | undefined {
  const stats = allProcStats();
  if (stats === undefined) return undefined; // Not Linux: trust kill(-pgid, 0) alone.
  return stats.some((stat) => stat.pgid === pgid && stat.state !== "Z");
}
