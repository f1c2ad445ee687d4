/**
 * CPU time the processes of a dev server spend, read from /proc (Linux): workerd (the Worker and
 * every Durable Object, one thread in `wrangler dev`) apart from the runner and kiro-cli. CPU per
 * call is what decides how many calls one machine serves, and unlike a latency it hardly changes
 * when other work shares the machine. Elsewhere (no /proc) every figure is NaN.
 */
import { readFileSync } from "node:fs";
import { descendants } from "../../test/helpers/process-tree.ts";

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuProbe {
  /** CPU milliseconds workerd has used so far. */
  workerdMs(): number;
}

/** Finds the workerd process under the dev server `devPid` (the one doing the work). */
export function cpuProbe(devPid: number): CpuProbe {
  const workerd = descendants(devPid).filter((ref) => /\bworkerd\b/.test(ref.command));
  const pids = workerd.map((ref) => ref.pid);
  return {
    workerdMs: () => (pids.length === 0 ? Number.NaN : pids.reduce((sum, pid) => sum + cpuMs(pid), 0)),
  };
}

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] is field 14 (utime), fields[12] field 15 (stime).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds of workerd per call of `run` (`calls` of them). */
export async function workerdMsPerCall(
  probe: CpuProbe,
  calls: number,
  run: () => Promise<void>,
): Promise<number> {
  const before = probe.workerdMs();
  await run();
  return (probe.workerdMs() - before) / calls;
}
