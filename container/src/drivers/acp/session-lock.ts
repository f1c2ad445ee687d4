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
 * lets the load go through with the conversation intact. A lock held by a live process is never
 * touched. Kiro's files belong to KIRO_RUN_AS: the lock is read without following a symlink in
 * its place and removed by a process running as that user (workspace/as-user.ts).
 */
import { constants, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { errnoCode, hasErrnoCode } from "../../errors.ts";
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
  try {
    holder = holderOf(await readNoFollow(file));
  } catch (error) {
    const why = errnoCode(error) === "ENOENT" ? "its lock file is not there" : "its lock file is unreadable";
    return { released: false, heldBy: undefined, why };
  }
  if (holder !== undefined && isAlive(holder)) {
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

async function readNoFollow(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
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
