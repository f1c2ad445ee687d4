/**
 * The tables of `npm run bench`: what users feel, each figure next to its same-run baseline, and
 * what each unit of work costs the server.
 */
import type { CatchUp } from "./catch-up.ts";
import type { Cost } from "./costs.ts";
import { breakdown } from "./do-requests.ts";
import type { Throughput } from "./measures.ts";
import { mbPerSecond, median, ms, percentile, ratio, table } from "./report.ts";

export interface Felt {
  /** Milliseconds per call, by operation: status, ping; list (SDK client), listFetch (plain fetch). */
  trips: Record<string, number[]>;
  /** Stub write → visible, milliseconds: through MCP, and on the runner's own stream. */
  lines: Record<"mcp" | "runner", number[]>;
  bulk: Record<"mcp" | "runner", Throughput[]>;
  catchUps: CatchUp[];
}

const rate = (runs: Throughput[]) => median(runs.map((run) => mbPerSecond(run.bytes, run.elapsedMs)));

export function printFelt(felt: Felt, throughputBytes: number): void {
  const { trips, lines, bulk } = felt;
  // Stamped lines are timed with Date.now() (1 ms resolution); round trips with performance.now().
  const row = (what: string, samples: number[] = [], baseline?: number[], decimals?: number) => [
    what,
    String(samples.length),
    ms(median(samples), decimals),
    ms(percentile(samples, 95), decimals),
    baseline ? ratio(median(samples), median(baseline)) : "",
  ];
  const runnerRate = rate(bulk.runner);
  const rateRow = (what: string, mbs: number, detail: string, exact: boolean, baseline?: number) => [
    what,
    detail,
    `${mbs.toFixed(1)} MB/s`,
    "",
    baseline === undefined ? "" : ratio(mbs, baseline),
    exact ? "" : "  TEXT DIFFERS",
  ];
  const catchUpRows = felt.catchUps.map((run) =>
    rateRow(
      `catch-up: finished task read from chunk 0, max_bytes ${run.maxBytes === undefined ? "default (1 MiB)" : `${run.maxBytes / 2 ** 20} MiB`}`,
      mbPerSecond(run.bytes, run.elapsedMs),
      `${(run.bytes / 1e6).toFixed(1)} MB, ${run.pages} pages`,
      run.exact,
      runnerRate,
    ),
  );
  console.log(
    table(
      ["what users feel", "n / size", "p50", "p95", "p50 vs baseline"],
      [
        row("kiro_task_status round trip (finished task, wait_ms 0)", trips.status, trips.ping),
        row("  baseline: ping round trip", trips.ping),
        row("  tools/list round trip, SDK client (validators built per list)", trips.list, trips.ping),
        row("  tools/list round trip, the same request by fetch", trips.listFetch, trips.ping),
        row("first visible: stub write → kiro_task_status long-poll", lines.mcp, lines.runner, 0),
        row("  baseline: stub write → runner event stream", lines.runner, undefined, 0),
        rateRow(
          "live: @bytes task, start → last byte visible (MCP polls)",
          rate(bulk.mcp),
          `${(throughputBytes / 1e6).toFixed(0)} MB × ${bulk.mcp.length}, ${bulk.mcp.map((run) => run.reads).join("/")} polls`,
          bulk.mcp.every((run) => run.exact),
          runnerRate,
        ),
        rateRow(
          "  baseline: the same task on the runner's event stream",
          runnerRate,
          `${(throughputBytes / 1e6).toFixed(0)} MB × ${bulk.runner.length}`,
          bulk.runner.every((run) => run.exact),
        ),
        ...catchUpRows,
      ],
    ),
  );
  console.log("  rates: p50 over runs; the rate column is in p50's place\n");
}

export function printCosts(costs: Array<[what: string, cost: Cost]>): void {
  console.log(
    table(
      ["cost per unit", "units", "Durable Object requests", "workerd CPU", "requests by class.method"],
      costs.map(([what, cost]) => [
        what,
        String(cost.units),
        cost.requestsPerUnit.toFixed(2),
        Number.isNaN(cost.cpuMsPerUnit) ? "n/a" : ms(cost.cpuMsPerUnit, 1),
        breakdown(cost.requests, cost.units),
      ]),
    ),
  );
  console.log(
    "  KiroContainer.fetch: runner requests (the host runner here, the session's container in a deployment);\n" +
      "  workerd CPU includes wrangler dev's own proxy in front of the Worker\n",
  );
}
