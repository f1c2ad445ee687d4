/**
 * Kiro's per-conversation lock. kiro-cli keeps each conversation in
 * $KIRO_HOME/sessions/cli/<id>.{json,jsonl} and marks the one a process has open with
 * `<id>.lock` holding `{"pid", "started_at"}`. A kiro-cli that dies without cleaning up (SIGKILL,
 * OOM: what the runner's kill fallback does) leaves the lock behind, and every later
 * `session/load` of that conversation is refused — permanently, whether or not the holder still
 * lives — with a JSON-RPC error whose data reads "Failed to start session: Session is active in
 * another process (PID n)" (kirodotdev/Kiro#10666).
 *
 * Every kiro-cli here is the runner's own, so a lock whose holder is gone is stale: removing it
 * lets the load go through with the conversation intact. The pid alone does not say the holder
 * is gone: a container restored from a snapshot (src/runner/snapshots.ts) brings back the locks
 * of the boot the snapshot was taken in, and its pids are handed out again from the start, so
 * the pid in such a lock may well name a live process — even the kiro-cli asking to load. So a
 * lock is held only by a live process that started before the lock file was last written (its
 * mtime; a holder writes its lock after it starts). Such a lock is never touched. Kiro's files belong to KIRO_RUN_AS: the lock is read without following a symlink in
 * its place and removed by a process running as that user (workspace/as-user.ts).
 */
import { constants, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { errnoCode, hasErrnoCode } from "../../errors.ts";
import { processStartedAtMs } from "../../process/proc.ts";
import type { RunAs } from "../../process/run-as.ts";
import { removeTree } from "../../workspace/as-user.ts";

const REFUSAL = /active in another process(?: \(PID (\d+)\))?/i;

/** The holder's pid when `text` (an error from session/load) is Kiro's lock refusal; else undefined. */
export function lockRefusal(text: string): { pid: number | undefined } | undefined {
  const match = REFUSAL.exec(text);
  if (match === null) return undefined;
  return { pid: match[1] === undefined ? undefined : Number(match[1]) };
}

export type LockRelease = { released: true } | { released: false; heldBy: number | undefined; why: string };

/** Removes the conversation's lock file if the process it names is gone. */
export async function releaseStaleLock(
  kiroHome: string,
  sessionId: string,
  user: RunAs | undefined,
): Promise<LockRelease> {
  const file = path.join(kiroHome, "sessions", "cli", `${path.basename(sessionId)}.lock`);
  let holder: number | undefined;
  let writtenAtMs: number;
  try {
    const lock = await readNoFollow(file);
    holder = holderOf(lock.text);
    writtenAtMs = lock.mtimeMs;
  } catch (error) {
    const why = errnoCode(error) === "ENOENT" ? "its lock file is not there" : "its lock file is unreadable";
    return { released: false, heldBy: undefined, why };
  }
  if (holder !== undefined && holds(holder, writtenAtMs)) {
    return { released: false, heldBy: holder, why: `process ${holder} holding it is still running` };
  }
  try {
    await removeTree(user, file);
  } catch (error) {
    const why = `its lock file could not be removed (${errnoCode(error) ?? "error"})`;
    return { released: false, heldBy: holder, why };
  }
  return { released: true };
}

async function readNoFollow(file: string): Promise<{ text: string; mtimeMs: number }> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return { text: await handle.readFile("utf8"), mtimeMs: (await handle.stat()).mtimeMs };
  } finally {
    await handle.close();
  }
}

/**
 * Room for the clocks involved: a start time read from /proc may be up to a second early, and a
 * file system may keep mtimes in whole seconds.
 */
const CLOCK_SLACK_MS = 2_000;

/**
 * Whether `pid` can be the process that wrote a lock file last written at `writtenAtMs`: it runs
 * and started before then. Without /proc, liveness is all there is.
 */
function holds(pid: number, writtenAtMs: number): boolean {
  if (!isAlive(pid)) return false;
  const startedAtMs = processStartedAtMs(pid);
  return startedAtMs === undefined || startedAtMs <= writtenAtMs + CLOCK_SLACK_MS;
}

function holderOf(text: string): number | undefined {
  const { pid } = JSON.parse(text) as { pid?: unknown };
  return typeof pid === "number" ? pid : undefined;
}

/** True while `pid` runs; a zombie (killed, not yet reaped) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else — alive all the same.
    return !hasErrnoCode(error, "ESRCH");
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // No /proc (not Linux): kill(pid, 0) is all there is.
  }
}
