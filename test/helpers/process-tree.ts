/**
 * The processes below a PID, read from /proc (Linux), so a test can check that stopping a parent
 * stopped everything it started. Each process is identified by PID and start time, so a PID the
 * kernel reuses for another process is never mistaken for a leftover. Node builtins only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTime: string;
  /** The command line, for reports. */
  command: string;
}

interface Stat {
  ppid: number;
  state: string;
  startTime: string;
}

/** Fields of /proc/PID/stat after the parenthesised command name, which may contain spaces. */
function readStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
    return { state: fields[0] ?? "", ppid: Number(fields[1]), startTime: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 300);
  } catch {
    return "";
  }
}

/** Every live process whose ancestry leads to `root` (not `root` itself); empty without /proc. */
export function descendants(root: number): ProcessRef[] {
  let pids: number[];
  try {
    pids = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat === undefined) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found: ProcessRef[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const stat = readStat(pid);
    if (stat === undefined) continue;
    found.push({ pid, startTime: stat.startTime, command: commandOf(pid) });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** True while the very process `ref` names is alive; a zombie counts as gone. */
export function isRunning(ref: ProcessRef): boolean {
  const stat = readStat(ref.pid);
  return stat !== undefined && stat.startTime === ref.startTime && stat.state !== "Z";
}

/** The processes of `refs` still running after up to `graceMs` (they may be exiting right now). */
export async function stillRunning(refs: ProcessRef[], graceMs: number): Promise<ProcessRef[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const alive = refs.filter(isRunning);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(50);
  }
}
