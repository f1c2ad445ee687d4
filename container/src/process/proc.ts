/**
 * What Linux's /proc says about processes: their state, process group and start time, whether
 * an environment entry is set in them, and this boot of the machine. Everywhere else (no /proc)
 * each answer is `undefined`, and callers say what they do without it.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T (stopped), … */
  state: string;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, it names one process for good. */
  start: string;
}

/** /proc/<pid>/stat, or undefined when the process is gone (or there is no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined) return undefined;
  return { pid, state, ppid: Number(fields[1]), pgid: Number(fields[2]), start };
}

/** Every process's stat; undefined where there is no /proc. */
export function allProcStats(): ProcStat[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const stats: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/** Whether the environment `pid` started with holds `entry` ("NAME=value"); false when unreadable. */
export function hasEnvEntry(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry);
  } catch {
    return false; // gone, or another user's process
  }
}

/** A random id of this boot of the machine: pids from another boot mean nothing. */
export function machineBootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc counts process start times in these ticks on every architecture. */
const TICKS_PER_S = 100;

/**
 * When `pid` started, in ms since the epoch (the boot time from /proc/stat plus its start ticks;
 * the boot time is whole seconds, so this may read up to a second early); undefined when the
 * process is gone or there is no /proc.
 */
export function processStartedAtMs(pid: number): number | undefined {
  const stat = readProcStat(pid);
  let bootS: number;
  try {
    bootS = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
  } catch {
    return undefined;
  }
  if (stat === undefined || !Number.isFinite(bootS)) return undefined;
  return bootS * 1000 + (Number(stat.start) / TICKS_PER_S) * 1000;
}
