/**
 * `npm run bench`: how fast output gets from kiro-cli to an MCP client, measured against `wrangler
 * dev` with the host runner and the kiro-cli stub (test/helpers/dev-server.ts), next to same-run
 * baselines: the runner's own event stream (no Worker, no Durable Object) and trivial MCP calls.
 * Prints tables; no pass/fail. Bounded to BUDGET_MS.
 *
 *   line latency   stub writes "line i t=<now>" (@stamp), the reader subtracts t when it sees it
 *   round trips    kiro_task_status on a finished task (wait_ms 0) vs ping and tools/list
 *   throughput     a 5 MB task (@bytes), start call to last byte visible, text checked exactly
 *   warm process   on the runner's protocol: a follow-up message to a warm `kiro-cli acp` vs a
 *                  headless kiro-cli spawned per message, and time to first chunk (bench/warm.ts)
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type DevServer, startDevServer } from "../test/helpers/dev-server.ts";
import { callTool, connectMcp } from "../test/helpers/mcp-client.ts";
import { type RunnerProcess, startRunner } from "../test/helpers/runner-process.ts";
import { runBounded, stopDevServer } from "./bench/bounded-run.ts";
import {
  finishedTask,
  mcpLineLatency,
  mcpThroughput,
  roundTrips,
  runnerLineLatency,
  runnerThroughput,
  type Throughput,
} from "./bench/measures.ts";
import { machine, mbPerSecond, median, ms, percentile, ratio, table } from "./bench/report.ts";
import { printWarm, warmVersusSpawn } from "./bench/warm.ts";

/** The whole run, start-up included, stops after this long. */
const BUDGET_MS = 4 * 60_000;
/** 100 stamped lines 30 ms apart: about 3 s per target. */
const LINE_MESSAGE = "@lines 100\n@delay 30\n@stamp";
const ROUND_TRIPS = 200;
const THROUGHPUT_BYTES = 5_000_000;
const THROUGHPUT_RUNS = 3;
/** Cold ACP sessions, and follow-up messages in each (as many headless messages as follow-ups). */
const WARM_SESSIONS = 5;
const WARM_FOLLOW_UPS = 8;

let dev: DevServer | undefined;
let runner: RunnerProcess | undefined;
let client: Client | undefined;
/** One runner per driver for the warm-process measure. */
const driverRunners: RunnerProcess[] = [];

async function main(): Promise<void> {
  console.log(`kiro-mcp-edge bench, ${new Date().toISOString()}\n${machine()}`);
  console.log(
    "target:  wrangler dev + host runner + kiro-cli stub; baseline: the same runner's event stream\n",
  );
  dev = await startDevServer();
  runner = await startRunner();
  client = await connectMcp(dev.mcpUrl);
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
  if (session.isError) throw new Error(`kiro_session_create failed: ${session.text}`);
  const sessionId = session.data.session_id;

  const done = await finishedTask(client, sessionId); // also warms the session's Durable Object
  const mcp = client;
  const trips = await roundTrips(
    {
      status: () =>
        callTool(mcp, "kiro_task_status", { task_id: done.taskId, from_chunk_index: done.next, wait_ms: 0 }),
      ping: () => mcp.ping(),
      list: () => mcp.listTools(),
    },
    ROUND_TRIPS,
  );
  const lines = {
    mcp: await mcpLineLatency(mcp, sessionId, LINE_MESSAGE),
    runner: await runnerLineLatency(runner, LINE_MESSAGE),
  };
  const bulk = { mcp: [] as Throughput[], runner: [] as Throughput[] };
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    bulk.runner.push(await runnerThroughput(runner, THROUGHPUT_BYTES));
    bulk.mcp.push(await mcpThroughput(mcp, sessionId, THROUGHPUT_BYTES));
  }
  printLatencies(lines, trips);
  printThroughput(bulk);
  await measureWarm();
}

/** ACP's warm process against a headless spawn per message, on two runners of their own. */
async function measureWarm(): Promise<void> {
  const acp = await startRunner({ env: { KIRO_DRIVER: "acp" } });
  driverRunners.push(acp);
  const headless = await startRunner({ env: { KIRO_DRIVER: "headless" } });
  driverRunners.push(headless);
  printWarm(await warmVersusSpawn(acp, headless, WARM_SESSIONS, WARM_FOLLOW_UPS));
}

function printLatencies(lines: Record<"mcp" | "runner", number[]>, trips: Record<string, number[]>): void {
  // Stamped lines are timed with Date.now() (1 ms resolution); round trips with performance.now().
  const row = (what: string, samples: number[] = [], baseline?: number[], decimals?: number) => [
    what,
    String(samples.length),
    ms(median(samples), decimals),
    ms(percentile(samples, 95), decimals),
    ms(Math.max(...samples), decimals),
    baseline ? ratio(median(samples), median(baseline)) : "",
  ];
  console.log(
    table(
      ["latency", "n", "p50", "p95", "max", "p50 vs baseline"],
      [
        row("line: stub write → visible in kiro_task_status long-poll", lines.mcp, lines.runner, 0),
        row("  baseline: stub write → runner event stream", lines.runner, undefined, 0),
        row("kiro_task_status round trip (finished task, wait_ms 0)", trips.status, trips.ping),
        row("  baseline: ping round trip", trips.ping),
        row("  tools/list round trip", trips.list, trips.ping),
      ],
    ),
  );
  console.log(
    `  kiro_task_status / tools/list p50: ${ratio(median(trips.status ?? []), median(trips.list ?? []))}\n`,
  );
}

function printThroughput(bulk: Record<"mcp" | "runner", Throughput[]>): void {
  const rate = (runs: Throughput[]) => median(runs.map((run) => mbPerSecond(run.bytes, run.elapsedMs)));
  const row = (what: string, runs: Throughput[], baseline?: Throughput[]) => [
    what,
    `${(THROUGHPUT_BYTES / 1e6).toFixed(0)} MB × ${runs.length}`,
    ms(median(runs.map((run) => run.elapsedMs))),
    `${rate(runs).toFixed(1)} MB/s`,
    runs.map((run) => run.reads).join(", "),
    runs.map((run) => run.chunks).join(", "),
    runs.every((run) => run.exact) ? "yes" : "NO",
    baseline ? ratio(rate(runs), rate(baseline)) : "",
  ];
  console.log(
    table(
      [
        "throughput (@bytes, start → last byte visible)",
        "size",
        "p50 time",
        "p50 rate",
        "reads",
        "chunks",
        "exact text",
        "rate vs baseline",
      ],
      [
        row("via MCP: kiro_chat_async + kiro_task_status polls", bulk.mcp, bulk.runner),
        row("  baseline: runner event stream", bulk.runner),
      ],
    ),
  );
  console.log(
    "  reads: status polls (MCP) or events (runner) per run; chunks: stored chunks or output events",
  );
}

/** Stops what this script started, by handle; reports processes the dev script left behind. */
async function shutdown(): Promise<void> {
  await client?.close().catch(() => undefined);
  await runner?.stop();
  await Promise.all(driverRunners.map((driverRunner) => driverRunner.stop()));
  await stopDevServer(dev);
}

await runBounded("bench", BUDGET_MS, main, shutdown);
