/** What `npm run load` prints once the load phase is over. */
import type { Counts } from "../bench/do-requests.ts";
import { countsTable } from "../bench/do-requests.ts";
import type { CpuProbe } from "../bench/process-cpu.ts";
import { mbPerSecond, median, ms, percentile, table } from "../bench/report.ts";
import type { LoadStats } from "./workload.ts";

export type CpuMs = Record<"workerd" | "runner" | "kiro", number>;

export function cpuNow(probe: CpuProbe): CpuMs {
  return { workerd: probe.workerdMs(), runner: probe.runnerMs(), kiro: probe.kiroMs() };
}

export function report(
  stats: LoadStats,
  seconds: number,
  requests: Counts,
  cpuMs: CpuMs,
  waitMs: number,
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
      ],
    ),
  );
  const row = (what: string, samples: number[]) => [
    what,
    String(samples.length),
    ms(median(samples)),
    ms(percentile(samples, 99)),
    ms(Math.max(...samples)),
  ];
  console.log(
    `\n${table(
      ["latency", "n", "p50", "p99", "max"],
      [
        row(`kiro_task_status long-poll (wait_ms ${waitMs})`, stats.pollMs),
        row("kiro_chat_async (start a task)", stats.startMs),
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
