/**
 * The ACP driver's point, measured on the runner's own protocol (no Worker): a follow-up message
 * in a session that has a warm `kiro-cli acp`, against a headless kiro-cli spawned per message,
 * and the time to the first chunk for a session's first (cold) and later (warm) messages.
 *
 * With the kiro-cli stub, start-up costs only Node's own (tens of ms); the real kiro-cli takes
 * seconds to start, so the warm-process advantage measured here is a lower bound.
 */
import { performance } from "node:perf_hooks";
import { type RunnerTarget, readEvents, startRun } from "../../test/helpers/runner-client.ts";
import { median, ms, percentile, ratio, table } from "./report.ts";

export interface TurnTiming {
  /** Start request → first output or update event. */
  firstChunkMs: number;
  /** Start request → exit event. */
  doneMs: number;
}

/** One message to the end, timed from the start request. */
async function timeTurn(runner: RunnerTarget, sessionKey: string, resume: boolean): Promise<TurnTiming> {
  const begun = performance.now();
  const runId = await startRun(runner, { message: "one short answer", session_key: sessionKey, resume });
  let firstChunkMs = Number.NaN;
  for await (const event of readEvents(runner, runId)) {
    if (Number.isNaN(firstChunkMs) && (event.type === "output" || event.type === "update")) {
      firstChunkMs = performance.now() - begun;
    }
    if (event.type === "exit" && event.status !== "completed")
      throw new Error(`turn ${event.status}: ${event.error}`);
  }
  return { firstChunkMs, doneMs: performance.now() - begun };
}

export interface WarmSamples {
  /** ACP, first message of a new session: spawn + initialize + session/new + prompt. */
  acpCold: TurnTiming[];
  /** ACP, later messages of one session: the warm process. */
  acpWarm: TurnTiming[];
  /** Headless: every message spawns kiro-cli. */
  headless: TurnTiming[];
}

/** `sessions` cold ACP sessions with `followUps` warm messages each, and as many headless messages. */
export async function warmVersusSpawn(
  acp: RunnerTarget,
  headless: RunnerTarget,
  sessions: number,
  followUps: number,
): Promise<WarmSamples> {
  const samples: WarmSamples = { acpCold: [], acpWarm: [], headless: [] };
  for (let session = 0; session < sessions; session++) {
    const key = `bench-warm-${session}-${Date.now()}`;
    samples.acpCold.push(await timeTurn(acp, key, false));
    for (let message = 0; message < followUps; message++) {
      samples.acpWarm.push(await timeTurn(acp, key, true));
      samples.headless.push(await timeTurn(headless, `bench-headless-${session}`, false));
    }
  }
  return samples;
}

export function printWarm(samples: WarmSamples): void {
  const row = (
    what: string,
    runs: TurnTiming[],
    pick: (run: TurnTiming) => number,
    baseline?: TurnTiming[],
  ) => {
    const values = runs.map(pick);
    return [
      what,
      String(values.length),
      ms(median(values), 1),
      ms(percentile(values, 95), 1),
      baseline ? ratio(median(baseline.map(pick)), median(values)) : "",
    ];
  };
  const done = (run: TurnTiming) => run.doneMs;
  const first = (run: TurnTiming) => run.firstChunkMs;
  console.log(
    table(
      ["message latency (runner protocol, stub kiro-cli)", "n", "p50", "p95", "headless p50 / this p50"],
      [
        row(
          "follow-up message, ACP warm process: start → answer done",
          samples.acpWarm,
          done,
          samples.headless,
        ),
        row("  baseline: headless, kiro-cli spawned per message", samples.headless, done),
        row("time to first chunk, ACP warm process", samples.acpWarm, first, samples.headless),
        row("time to first chunk, ACP first message (cold start)", samples.acpCold, first, samples.headless),
        row("  baseline: time to first chunk, headless", samples.headless, first),
      ],
    ),
  );
  console.log(
    "  the stub starts in tens of ms; the real kiro-cli takes seconds, so the ratios are lower bounds\n",
  );
}
