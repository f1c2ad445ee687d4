/**
 * `npm run bench`: what a user of the MCP endpoint feels, measured against `wrangler dev` with the
 * host runner and the kiro-cli stub (test/helpers/dev-server.ts), each figure next to a same-run
 * baseline, and what each unit of work costs the server. Prints tables; no pass/fail. Bounded to
 * BUDGET_MS.
 *
 *   round trips    kiro_task_status on a finished task (wait_ms 0) vs ping, interleaved; then
 *                  tools/list on its own (the SDK client compiles a validator for every tool's
 *                  output schema on each list, tens of ms of its own CPU that would land in the
 *                  next call timed), through the SDK and as the same request sent with fetch
 *   first visible  stub writes "line i t=<now>" (@stamp), the reader subtracts t when it sees it,
 *                  through a long-poll vs on the runner's own event stream
 *   live           a 5 MB task (@bytes), start call to last byte visible, vs the runner's stream
 *   catch-up       a finished ~32 MB task read back from chunk 0 in pages (max_bytes)
 *   costs          Durable Object requests (KIRO_DEBUG_COUNTERS) and workerd CPU (/proc) per ping,
 *                  per status poll, per task and per catch-up page
 *   warm process   on the runner's protocol: a follow-up message to a warm `kiro-cli acp` vs a
 *                  headless kiro-cli spawned per message, and time to first chunk (bench/warm.ts)
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type DevServer, startDevServer } from "../test/helpers/dev-server.ts";
import { callTool, connectMcp, pollUntilDone } from "../test/helpers/mcp-client.ts";
import { type RunnerProcess, startRunner } from "../test/helpers/runner-process.ts";
import { runBounded, stopDevServer } from "./bench/bounded-run.ts";
import { type CatchUp, catchUp, finishedBigTask } from "./bench/catch-up.ts";
import { type Cost, costOf, times } from "./bench/costs.ts";
import {
  finishedTask,
  mcpLineLatency,
  mcpThroughput,
  recordingFetch,
  roundTrips,
  runnerLineLatency,
  runnerThroughput,
  startTask,
  type Throughput,
} from "./bench/measures.ts";
import { printCosts, printFelt } from "./bench/print.ts";
import { type CpuProbe, cpuProbe } from "./bench/process-cpu.ts";
import { machine } from "./bench/report.ts";
import { printWarm, warmVersusSpawn } from "./bench/warm.ts";

/** The whole run, start-up included, stops after this long. */
const BUDGET_MS = 5 * 60_000;
/** 100 stamped lines 30 ms apart: about 3 s per target. */
const LINE_MESSAGE = "@lines 100\n@delay 30\n@stamp";
const ROUND_TRIPS = 200;
const LIST_ROUND_TRIPS = 50;
const THROUGHPUT_BYTES = 5_000_000;
const THROUGHPUT_RUNS = 3;
/** A long finished task to catch up on: just under KIRO_MAX_TASK_OUTPUT_BYTES (32 MiB) of raw output. */
const CATCH_UP_BYTES = 32_000_000;
/** Page sizes the catch-up is read with: the default (1 MiB) and the largest max_bytes. */
const CATCH_UP_PAGES = [undefined, 4 * 2 ** 20];
/** Short tasks whose cost is counted, start to end, each read with long-polls. */
const COST_TASKS = 10;
const COST_TASK_MESSAGE = "@lines 20\n@delay 10";
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
    "target:  wrangler dev + host runner + kiro-cli stub (driver acp); baseline: the same runner's event stream\n",
  );
  dev = await startDevServer({ env: { KIRO_DEBUG_COUNTERS: "1" } });
  runner = await startRunner();
  const recorder = recordingFetch();
  client = await connectMcp(dev.mcpUrl, recorder.fetch);
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
  if (session.isError) throw new Error(`kiro_session_create failed: ${session.text}`);
  const sessionId = session.data.session_id;
  const mcp = client;
  const probe = cpuProbe(dev.pid);

  const done = await finishedTask(mcp, sessionId); // also warms the session's Durable Object
  const status = () =>
    callTool(mcp, "kiro_task_status", { task_id: done.taskId, from_chunk_index: done.next, wait_ms: 0 });
  const trips = {
    ...(await roundTrips({ status, ping: () => mcp.ping() }, ROUND_TRIPS)),
    ...(await roundTrips(
      { list: () => mcp.listTools(), listFetch: recorder.replay("tools/list") },
      LIST_ROUND_TRIPS,
    )),
  };
  const lines = {
    mcp: await mcpLineLatency(mcp, sessionId, LINE_MESSAGE),
    runner: await runnerLineLatency(runner, LINE_MESSAGE),
  };
  const bulk = { mcp: [] as Throughput[], runner: [] as Throughput[] };
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    bulk.runner.push(await runnerThroughput(runner, THROUGHPUT_BYTES));
    bulk.mcp.push(await mcpThroughput(mcp, sessionId, THROUGHPUT_BYTES));
  }
  const big = await finishedBigTask(mcp, sessionId, CATCH_UP_BYTES);
  const catchUps: CatchUp[] = [];
  const pageCosts: Array<[string, Cost]> = [];
  for (const maxBytes of CATCH_UP_PAGES) {
    let run: CatchUp | undefined;
    const cost = await costOf(dev.baseUrl, probe, 1, async () => {
      run = await catchUp(mcp, big, CATCH_UP_BYTES, maxBytes);
    });
    if (!run) throw new Error("catch-up did not run");
    catchUps.push(run);
    const pages = run.pages;
    pageCosts.push([
      `catch-up page (max_bytes ${maxBytes === undefined ? "default" : maxBytes})`,
      perUnit(cost, pages),
    ]);
  }
  printFelt({ trips, lines, bulk, catchUps }, THROUGHPUT_BYTES);
  const notFound = `${dev.baseUrl}/no-such-path`;
  printCosts([
    [
      "GET of an unknown path (wrangler dev's proxy and the app's routing only)",
      await costOf(
        dev.baseUrl,
        probe,
        ROUND_TRIPS,
        times(ROUND_TRIPS, async () => (await fetch(notFound)).text()),
      ),
    ],
    [
      "ping (baseline)",
      await costOf(
        dev.baseUrl,
        probe,
        ROUND_TRIPS,
        times(ROUND_TRIPS, () => mcp.ping()),
      ),
    ],
    [
      "kiro_task_status poll (finished task)",
      await costOf(dev.baseUrl, probe, ROUND_TRIPS, times(ROUND_TRIPS, status)),
    ],
    [
      `task (${JSON.stringify(COST_TASK_MESSAGE)}, started and read to its end)`,
      await taskCost(mcp, sessionId, probe),
    ],
    ...pageCosts,
  ]);
  await measureWarm();
}

/** COST_TASKS short tasks, each started with kiro_chat_async and long-polled to its end. */
async function taskCost(mcp: Client, sessionId: string, probe: CpuProbe): Promise<Cost> {
  const baseUrl = dev?.baseUrl ?? "";
  return costOf(baseUrl, probe, COST_TASKS, async () => {
    for (let task = 0; task < COST_TASKS; task++) {
      await pollUntilDone(mcp, await startTask(mcp, sessionId, COST_TASK_MESSAGE), { waitMs: 10_000 });
    }
  });
}

/** A cost measured over one run, restated per `units` (pages of a catch-up). */
function perUnit(cost: Cost, units: number): Cost {
  return {
    units,
    requests: cost.requests,
    requestsPerUnit: (cost.requestsPerUnit * cost.units) / units,
    cpuMsPerUnit: (cost.cpuMsPerUnit * cost.units) / units,
  };
}

/** ACP's warm process against a headless spawn per message, on two runners of their own. */
async function measureWarm(): Promise<void> {
  const acp = await startRunner({ env: { KIRO_DRIVER: "acp" } });
  driverRunners.push(acp);
  const headless = await startRunner({ env: { KIRO_DRIVER: "headless" } });
  driverRunners.push(headless);
  printWarm(await warmVersusSpawn(acp, headless, WARM_SESSIONS, WARM_FOLLOW_UPS));
}

/** Stops what this script started, by handle; reports processes the dev script left behind. */
async function shutdown(): Promise<void> {
  await client?.close().catch(() => undefined);
  await runner?.stop();
  await Promise.all(driverRunners.map((driverRunner) => driverRunner.stop()));
  await stopDevServer(dev);
}

await runBounded("bench", BUDGET_MS, main, shutdown);
