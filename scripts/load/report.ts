/** What `npm run load` prints once the load phase is over. */
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Counts } from "../bench/do-requests.ts";
import { countsTable } from "../bench/do-requests.ts";
import type { CpuProbe } from "../bench/process-cpu.ts";
import { mbPerSecond, median, ms, percentile, ratio, table } from "../bench/report.ts";
import type { LoadStats } from "./workload.ts";

/** CPU milliseconds by who used them; `clients` is this process (every MCP client of the load). */
export type CpuMs = Record<"workerd" | "runner" | "kiro" | "clients", number>;

export function cpuNow(probe: CpuProbe): CpuMs {
  const { user, system } = process.cpuUsage();
  return {
    workerd: probe.workerdMs(),
    runner: probe.runnerMs(),
    kiro: probe.kiroMs(),
    clients: (user + system) / 1000,
  };
}

/** CPU milliseconds the whole machine has spent busy (all CPUs, from /proc/stat). */
export function machineCpu(): number {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/) ?? [];
  const ticks = fields.map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((sum, tick) => sum + tick, 0);
  return ((total - idle) * 1000) / TICKS_PER_SECOND;
}

/** Clock ticks per second of /proc/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export function report(
  stats: LoadStats,
  seconds: number,
  requests: Counts,
  cpuMs: CpuMs & { machine: number },
  waitMs: number,
  baselineMs: number[],
): void {
  const share = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const core = (ms: number) => `${(ms / seconds / 10).toFixed(0)}% of a core`;
  console.log(
    table(
      ["load", "total", "per second"],
      [
        ["tasks run", String(stats.tasks), (stats.tasks / seconds).toFixed(2)],
        ["MCP requests", String(stats.requests), (stats.requests / seconds).toFixed(1)],
        ["kiro_task_status polls", String(stats.polls), (stats.polls / seconds).toFixed(1)],
        [
          "output read by pollers (new_content)",
          `${stats.bytesRead} B`,
          `${(stats.bytesRead / seconds / 1000).toFixed(1)} kB/s (${mbPerSecond(stats.bytesRead, seconds * 1000).toFixed(2)} MB/s)`,
        ],
        ["wall time", `${seconds.toFixed(1)} s`, ""],
        [
          "CPU: workerd (Worker, Durable Objects, wrangler dev)",
          share(cpuMs.workerd),
          `${core(cpuMs.workerd)}, ${(cpuMs.workerd / stats.requests).toFixed(1)} ms per MCP request`,
        ],
        ["CPU: runner", share(cpuMs.runner), core(cpuMs.runner)],
        ["CPU: kiro-cli stand-ins", share(cpuMs.kiro), core(cpuMs.kiro)],
        ["CPU: the load's MCP clients (this process)", share(cpuMs.clients), core(cpuMs.clients)],
        [
          "CPU: the whole machine",
          share(cpuMs.machine),
          `${core(cpuMs.machine)}, of ${os.cpus().length} cores`,
        ],
      ],
    ),
  );
  const row = (what: string, samples: number[], baseline?: number[]) => [
    what,
    String(samples.length),
    ms(median(samples)),
    ms(percentile(samples, 99)),
    ms(Math.max(...samples)),
    baseline ? ratio(percentile(samples, 99), percentile(baseline, 99)) : "",
  ];
  console.log(
    `\n${table(
      ["latency", "n", "p50", "p99", "max", "p99 vs baseline"],
      [
        row(`kiro_task_status long-poll (wait_ms ${waitMs})`, stats.pollMs, baselineMs),
        row("kiro_chat_async (start a task)", stats.startMs, baselineMs),
        row("  baseline: ping, every poller at once, back to back, before the load", baselineMs),
      ],
    )}\n`,
  );
  console.log(
    `${countsTable(requests, { task: stats.tasks, poll: stats.polls, "MCP request": stats.requests })}\n` +
      "  KiroContainer.fetch: runner requests (the host runner here, the session's container in a deployment)\n",
  );
  console.log(`output checked byte for byte: ${stats.exactReads} of ${stats.reads} poller reads exact`);
  console.log(`errors: ${stats.errors.length}`);
  for (const error of stats.errors.slice(0, 20)) console.log(`  ${error}`);
  if (stats.errors.length > 20) console.log(`  … and ${stats.errors.length - 20} more`);
}
