/**
 * CPU time the processes of a dev server spend, read from /proc (Linux): workerd (the Worker and
 * every Durable Object, one thread in `wrangler dev`, plus wrangler's own proxy), the runner, and
 * the kiro-cli processes under it. CPU per call is what decides how many calls one machine
 * serves, and unlike a latency it hardly changes when other work shares the machine. Elsewhere
 * (no /proc) every figure is NaN.
 */
import { readFileSync } from "node:fs";
import { descendants } from "../../test/helpers/process-tree.ts";

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuProbe {
  /** CPU milliseconds workerd has used so far. */
  workerdMs(): number;
  /** CPU milliseconds of the runner process, and of kiro-cli under it (live and exited ones). */
  runnerMs(): number;
  kiroMs(): number;
}

/** Finds workerd and the runner under the dev server `devPid`. */
export function cpuProbe(devPid: number): CpuProbe {
  const tree = descendants(devPid);
  const workerd = tree.filter((ref) => /\bworkerd\b/.test(ref.command)).map((ref) => ref.pid);
  const runner = tree.find((ref) => /container\/src\/main\.ts/.test(ref.command))?.pid;
  const sum = (pids: number[]) =>
    pids.length === 0 ? Number.NaN : pids.reduce((n, pid) => n + cpuMs(pid).own, 0);
  return {
    workerdMs: () => sum(workerd),
    runnerMs: () => (runner === undefined ? Number.NaN : cpuMs(runner).own),
    // Exited children count once their parent reaped them (cutime); live ones by their own times.
    kiroMs: () =>
      runner === undefined
        ? Number.NaN
        : cpuMs(runner).reaped + descendants(runner).reduce((n, ref) => n + cpuMs(ref.pid).own, 0),
  };
}

function cpuMs(pid: number): { own: number; reaped: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // fields[11..14] are fields 14-17: utime, stime, cutime, cstime.
    const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
    return {
      own: ms((fields[11] ?? 0) + (fields[12] ?? 0)),
      reaped: ms((fields[13] ?? 0) + (fields[14] ?? 0)),
    };
  } catch {
    return { own: 0, reaped: 0 };
  }
}
