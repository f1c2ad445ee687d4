/**
 * `npm run load`: N sessions each run chatty kiro-cli stub tasks back to back while M pollers
 * long-poll them through `wrangler dev` on 127.0.0.1 (its own dev server, test/helpers/dev-server.ts).
 * Each session first runs one short turn (its kiro-cli starting), a few sessions at a time, timed
 * apart from the load; then every poller pings back to back for a few seconds, the same-run
 * baseline (what any request costs at that many clients on this machine). Prints throughput, poll
 * latency against that baseline, errors, Durable Object requests and CPU by process, and checks
 * every poller's copy of every task's output byte for byte. Exits non-zero on any error. Bounded
 * in time and in requests.
 *
 *   npm run load                                   8 sessions, 16 pollers, 20 s of load
 *   npm run load -- --sessions 4 --pollers 12 --duration 10
 *   npm run load -- --bytes 2000000                tasks write 2 MB (@bytes) instead of 200 lines
 *   npm run load -- --set KIRO_DRIVER=headless     a setting for the runner and the Worker (repeatable)
 *
 * Each flag but --set has an environment variable: LOAD_SESSIONS, LOAD_POLLERS, LOAD_DURATION_S,
 * LOAD_BYTES, LOAD_MAX_REQUESTS (the dev server never inherits the caller's KIRO_* variables).
 * Poller i follows session i mod N, so every session has at least one poller and M must be at
 * least N.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { messageOf } from "../container/src/protocol/index.ts";
import { type DevServer, startDevServer } from "../test/helpers/dev-server.ts";
import { callTool, connectMcp } from "../test/helpers/mcp-client.ts";
import { runBounded, stopDevServer } from "./bench/bounded-run.ts";
import { countsSince, doRequests } from "./bench/do-requests.ts";
import { cpuProbe } from "./bench/process-cpu.ts";
import { machine } from "./bench/report.ts";
import { cpuNow, machineCpu, report } from "./load/report.ts";
import {
  bytesTask,
  driveSession,
  emptyStats,
  linesTask,
  pingBaseline,
  type SessionLoad,
  type TaskShape,
  warmSessions,
} from "./load/workload.ts";

/** 200 lines 10 ms apart: about 2 s per task, a chunk or two per poll. */
const LINES = 200;
const LINE_DELAY_MS = 10;
/** Long-poll wait of each kiro_task_status call. */
const WAIT_MS = 5_000;
/** The baseline phase: every poller pings back to back for this long, before the load. */
const BASELINE_MS = 5_000;
/** Sessions whose first turn (and so kiro-cli's start) runs at once before the load phase. */
const WARM_UP_CONCURRENCY = 4;
/** Time for the dev server to start, and for the last tasks to finish after the load phase. */
const STARTUP_BUDGET_MS = 90_000;
/** Time for the warm-up turns of up to a hundred sessions. */
const WARM_UP_BUDGET_MS = 120_000;
const DRAIN_BUDGET_MS = 60_000;

interface Options {
  sessions: number;
  pollers: number;
  durationS: number;
  bytes: number | undefined;
  maxRequests: number;
  /** KIRO_* settings for the dev server, from --set NAME=VALUE. */
  settings: Record<string, string>;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string" },
      pollers: { type: "string" },
      duration: { type: "string" },
      bytes: { type: "string" },
      "max-requests": { type: "string" },
      set: { type: "string", multiple: true },
    },
  });
  const env = process.env;
  const sessions = positive("--sessions", values.sessions ?? env.LOAD_SESSIONS, 8);
  const pollers = positive("--pollers", values.pollers ?? env.LOAD_POLLERS, 16);
  if (pollers < sessions) throw new Error(`--pollers (${pollers}) must be at least --sessions (${sessions})`);
  const bytes = values.bytes ?? env.LOAD_BYTES;
  return {
    sessions,
    pollers,
    durationS: positive("--duration", values.duration ?? env.LOAD_DURATION_S, 20),
    bytes: bytes === undefined ? undefined : positive("--bytes", bytes, 1),
    maxRequests: positive("--max-requests", values["max-requests"] ?? env.LOAD_MAX_REQUESTS, 200_000),
    settings: Object.fromEntries((values.set ?? []).map(setting)),
  };
}

function setting(raw: string): [string, string] {
  const match = /^(KIRO_[A-Z0-9_]+)=(.*)$/s.exec(raw);
  if (match?.[1] === undefined || match[2] === undefined)
    throw new Error(`--set takes KIRO_NAME=VALUE, not ${raw}`);
  return [match[1], match[2]];
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

let dev: DevServer | undefined;
const clients: Client[] = [];

async function main(opts: Options): Promise<void> {
  const shape: TaskShape = opts.bytes === undefined ? linesTask(LINES, LINE_DELAY_MS) : bytesTask(opts.bytes);
  console.log(`kiro-mcp-edge load, ${new Date().toISOString()}\n${machine()}`);
  dev = await startDevServer({
    env: {
      // Every session runs a task at once: the Worker's per-user cap and the runner's must allow it.
      KIRO_MAX_SESSIONS: String(opts.sessions + 10),
      KIRO_MAX_RUNNING_TASKS: String(opts.sessions + 10),
      KIRO_MAX_ACTIVE_RUNS: String(opts.sessions + 10),
      // Durable Object request counts (src/debug/request-counts.ts), reported per task and poll.
      KIRO_DEBUG_COUNTERS: "1",
      ...opts.settings,
    },
  });
  const host = new URL(dev.mcpUrl).hostname;
  if (host !== "127.0.0.1") throw new Error(`the dev server is not on loopback: ${dev.mcpUrl}`);
  console.log(
    `target:  ${dev.mcpUrl} (wrangler dev + host runner + kiro-cli stub)\n` +
      `load:    ${opts.sessions} sessions × ${JSON.stringify(shape.message)} back to back for ${opts.durationS} s, ` +
      `${opts.pollers} pollers (wait_ms ${WAIT_MS}), at most ${opts.maxRequests} requests\n` +
      `driver:  ${opts.settings.KIRO_DRIVER ?? "acp"} (--set KIRO_DRIVER=headless for the other)\n` +
      Object.entries(opts.settings)
        .map(([name, value]) => `set:     ${name}=${value}\n`)
        .join(""),
  );
  const sessions = await openSessions(dev.mcpUrl, dev.workspaceRoot, opts);
  const warmMs = await warmSessions(sessions, WARM_UP_CONCURRENCY);
  console.log(
    `warm-up: a first turn in each of the ${sessions.length} sessions (its kiro-cli starting), ` +
      `${WARM_UP_CONCURRENCY} at a time: ${(warmMs / 1000).toFixed(1)} s, not counted below\n`,
  );
  const pollers = sessions.flatMap((session) => session.pollers);
  const baselineMs = await pingBaseline(pollers, BASELINE_MS);
  const stats = emptyStats();
  const limits = {
    endsAt: Date.now() + opts.durationS * 1000,
    maxRequests: opts.maxRequests,
    waitMs: WAIT_MS,
  };
  const probe = cpuProbe(dev.pid);
  const before = await doRequests(dev.baseUrl);
  const cpuBefore = cpuNow(probe);
  const machineBefore = machineCpu();
  const begun = performance.now();
  await Promise.all(sessions.map((session) => driveSession(session, shape, limits, stats)));
  const seconds = (performance.now() - begun) / 1000;
  const cpuAfter = cpuNow(probe);
  const cpuMs = {
    workerd: cpuAfter.workerd - cpuBefore.workerd,
    runner: cpuAfter.runner - cpuBefore.runner,
    kiro: cpuAfter.kiro - cpuBefore.kiro,
    clients: cpuAfter.clients - cpuBefore.clients,
    machine: machineCpu() - machineBefore,
  };
  report(stats, seconds, countsSince(before, await doRequests(dev.baseUrl)), cpuMs, WAIT_MS, baselineMs);
  if (stats.errors.length > 0 || stats.exactReads === 0) {
    // The Worker and the runner log the causes of errors there, not to the client.
    const log = path.join(os.tmpdir(), `kiro-load-${Date.now()}.log`);
    writeFileSync(log, dev.output());
    console.log(`dev server output (the causes of errors): ${log}`);
    process.exitCode = 1;
  }
}

/** N sessions, each in its own directory, with its starter client and the clients of the pollers that follow it. */
async function openSessions(mcpUrl: string, workspaceRoot: string, opts: Options): Promise<SessionLoad[]> {
  const connect = async () => {
    const client = await connectMcp(mcpUrl);
    clients.push(client);
    return client;
  };
  const sessions: SessionLoad[] = [];
  for (let i = 0; i < opts.sessions; i++) {
    const starter = await connect();
    // A directory per session: kiro-cli keeps one conversation per directory.
    const directory = `load-${i}`;
    mkdirSync(path.join(workspaceRoot, directory));
    const created = await callTool<{ session_id: string }>(starter, "kiro_session_create", {
      working_directory: directory,
    });
    if (created.isError) throw new Error(`kiro_session_create failed: ${created.text}`);
    sessions.push({ sessionId: created.data.session_id, starter, pollers: [] });
  }
  for (let i = 0; i < opts.pollers; i++) sessions[i % opts.sessions]?.pollers.push(await connect());
  return sessions;
}

async function shutdown(): Promise<void> {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await stopDevServer(dev);
}

let opts: Options;
try {
  opts = options();
} catch (error) {
  console.error(`load: ${messageOf(error)}`);
  process.exit(2);
}
await runBounded(
  "load",
  STARTUP_BUDGET_MS + WARM_UP_BUDGET_MS + BASELINE_MS + opts.durationS * 1000 + DRAIN_BUDGET_MS,
  () => main(opts),
  shutdown,
);
