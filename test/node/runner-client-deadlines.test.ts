/**
 * The Worker's runner client against a runner that is frozen (SIGSTOP): the real runner process
 * accepts connections in the kernel and answers nothing. Every call gives up at its deadline as
 * `unreachable`, and an event stream that carries no line — not even the runner's heartbeat —
 * for the silence limit is given up too, while a quiet turn's stream on a live runner is not.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { EVENT_STREAM_HEARTBEAT_MS } from "../../container/src/protocol/index.ts";
import { type RunEvent, RunnerRequestError } from "../../src/runner/client.ts";
import { HttpRunnerClient, type RunnerDeadlines } from "../../src/runner/http-client.ts";
import { startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const DEADLINES: RunnerDeadlines = {
  callMs: 1_000,
  startMs: 1_000,
  commandMs: 1_000,
  gitMs: 1_000,
  // Longer than the heartbeat interval, as in production (4×): a live runner never trips it.
  silenceMs: EVENT_STREAM_HEARTBEAT_MS + 2_000,
};

let runner: RunnerProcess;
let client: HttpRunnerClient;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
  client = new HttpRunnerClient((request) => fetch(request), runner.url, runner.secret, DEADLINES);
});
afterAll(async () => {
  process.kill(runner.pid, "SIGCONT");
  await runner.stop();
});

/** What `work` settled with, and how long it took. */
async function settle(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const begun = Date.now();
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { error, ms: Date.now() - begun };
}

async function frozen<T>(body: () => Promise<T>): Promise<T> {
  process.kill(runner.pid, "SIGSTOP");
  try {
    return await body();
  } finally {
    process.kill(runner.pid, "SIGCONT");
  }
}

it("gives up every call to a frozen runner at its deadline, as unreachable", async () => {
  const runId = await startRun(runner, { message: "@hang" });
  await frozen(async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ["health", () => client.health()],
      ["run", () => client.run(runId)],
      ["cancelRun", () => client.cancelRun(runId)],
      ["startRun", () => client.startRun({ run_id: `${runId}-2`, message: "hi", cwd: "" })],
      ["endSession", () => client.endSession("some-session")],
      ["events", () => client.events(runId, 0)[Symbol.asyncIterator]().next()],
    ];
    for (const [name, call] of calls) {
      const { error, ms } = await settle(call());
      expect(error, name).toBeInstanceOf(RunnerRequestError);
      expect((error as RunnerRequestError).code, name).toBe("unreachable");
      expect((error as RunnerRequestError).message, name).toContain("within 1000 ms");
      expect(ms, name).toBeLessThan(DEADLINES.callMs + 1_000);
    }
  });
  await client.cancelRun(runId);
});

it("keeps a quiet turn's stream while heartbeats arrive, and gives it up once the runner goes silent", async () => {
  const runId = await startRun(runner, { message: "@hang" });
  const stream = client.events(runId, 0)[Symbol.asyncIterator]();
  const next = stream.next();
  const quiet = await Promise.race([next.then(() => "ended"), sleep(DEADLINES.silenceMs + 1_500, "alive")]);
  expect(quiet, "a live runner's heartbeats keep the stream open").toBe("alive");
  const { error, ms } = await frozen(() => settle(next));
  expect(error).toBeInstanceOf(RunnerRequestError);
  expect((error as RunnerRequestError).code).toBe("unreachable");
  expect((error as RunnerRequestError).message).toBe(
    `the runner's event stream was silent for ${DEADLINES.silenceMs} ms`,
  );
  expect(ms).toBeLessThan(DEADLINES.silenceMs + 1_000);
  const cancelled = await client.cancelRun(runId);
  expect(cancelled.status).toBe("cancelled");
  const events: RunEvent[] = [];
  for await (const batch of client.events(runId, 0)) events.push(...batch);
  expect(events.at(-1)).toMatchObject({ type: "exit", status: "cancelled" });
});

function sleep<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
