/**
 * TaskIngest's contract, against a scripted runner at the RunnerClient interface and a session
 * object's real SQLite: every event stored exactly once across broken streams, back-off while
 * nothing arrives, and the verdict on a runner that is lost (restarted, forgot the run, dropped
 * output, refused, or unreachable for too long). Its clock and sleep are the test's, so a minute
 * of unreachable runner takes no time.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/config.ts";
import {
  type RunEvent,
  type RunnerClient,
  type RunnerFailure,
  type RunnerHealth,
  RunnerRequestError,
  type RunSummary,
} from "../../src/runner/client.ts";
import { CANCELLED_BY_USER, TaskIngest } from "../../src/session/ingest.ts";
import { SESSION_SCHEMA } from "../../src/session/schema.ts";
import { type TaskEnd, type TaskRow, turnCompleted } from "../../src/session/task-rows.ts";
import { TaskStore } from "../../src/session/task-store.ts";
import { durableSql, migrate } from "../../src/storage/sql.ts";
import type { Logger } from "../../src/util/log.ts";

const TASK_ID = "task_ingest";
const BOOT_ID = "boot-1";
const AT = 1_700_000_000_000;

/** What one events() call does: deliver up to `deliver` events after the cursor, or fail. */
type Connection = { deliver: number } | { fail: RunnerFailure } | { crash: string };

/**
 * A runner holding one run's event log. Each events() call plays the next scripted connection;
 * calls past the script find the runner unreachable.
 */
class ScriptedRunner implements RunnerClient {
  bootId = BOOT_ID;
  healthReachable = true;
  /** The cursor (afterSeq) of every events() call, in order. */
  readonly cursors: number[] = [];
  readonly #log: readonly RunEvent[];
  readonly #script: Connection[];

  constructor(log: readonly RunEvent[], script: Connection[]) {
    this.#log = log;
    this.#script = [...script];
  }

  async *events(_runId: string, afterSeq: number): AsyncIterable<RunEvent[]> {
    this.cursors.push(afterSeq);
    const next = this.#script.shift() ?? { fail: "unreachable" };
    if ("crash" in next) throw new Error(next.crash);
    if ("fail" in next) throw failure(next.fail);
    const events = this.#log.filter((event) => event.seq > afterSeq).slice(0, next.deliver);
    // Two events per batch, so a connection can end between batches as well as within none.
    for (let i = 0; i < events.length; i += 2) yield events.slice(i, i + 2);
  }

  async health(): Promise<RunnerHealth> {
    if (!this.healthReachable) throw failure("unreachable");
    return {
      ok: true,
      boot_id: this.bootId,
      version: "test",
      driver: "headless",
      uptime_ms: 1,
      runs_active: 1,
      runs_total: 1,
      stats: { runs_served: 1, warm_processes: 0, mean_spawn_ms: null, mean_first_output_ms: null },
      kiro_cli: { path: "kiro-cli", found: true },
      workspace_root: "/workspace",
    };
  }

  /** What GET /runs/:id answers (run_not_found when unset). */
  summary: RunSummary | undefined;

  async run(): Promise<RunSummary> {
    if (this.summary === undefined) throw failure("run_not_found");
    return this.summary;
  }

  resolveWorkspace = notUsed;
  startRun = notUsed;
  cancelRun = notUsed;
  answerPermission = notUsed;
  command = notUsed;
  resetSession = notUsed;
  endSession = notUsed;
  agents = notUsed;
  writeFile = notUsed;
  startClone = notUsed;
  diff = notUsed;
  readFile = notUsed;
  push = notUsed;
}

function notUsed(): Promise<never> {
  return Promise.reject(new Error("TaskIngest does not call this"));
}

function failure(code: RunnerFailure): RunnerRequestError {
  return new RunnerRequestError(code, `scripted ${code}`, code === "unreachable" ? 0 : 404);
}

function outputs(count: number): RunEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    at: AT,
    type: "output",
    text: `line ${i + 1}\n`,
  }));
}

function withExit(events: RunEvent[]): RunEvent[] {
  const exit: RunEvent = {
    seq: events.length + 1,
    at: AT,
    type: "exit",
    status: "completed",
    reason: "exited",
    exit_code: 0,
    signal: null,
    stderr_tail: "",
    output_bytes: 0,
  };
  return [...events, exit];
}

const quiet: Logger = { info() {}, warn() {}, error() {}, with: () => quiet };

interface Ingested {
  task: TaskRow;
  text: string;
  ends: TaskEnd[];
  /** Every back-off the loop slept, in order. */
  sleeps: number[];
}

interface IngestOptions {
  /** The boot id the start recorded; null: the runner has not accepted the run yet. */
  bootId?: string | null;
  /** The user asked to cancel before the output was read. */
  cancelling?: boolean;
  /** KIRO_MAX_TASK_OUTPUT_BYTES. */
  capBytes?: number;
}

/** Creates a running task in a fresh session object's storage and ingests it to its end. */
async function ingest(runner: ScriptedRunner, options: IngestOptions = {}): Promise<Ingested> {
  const stub = env.KIRO_SESSION.getByName(`ingest-${crypto.randomUUID()}`);
  return runInDurableObject(stub, async (_instance, state) => {
    const sql = durableSql(state.storage);
    migrate(sql, SESSION_SCHEMA);
    const store = new TaskStore(sql);
    store.create(TASK_ID, "hello", AT);
    const bootId = options.bootId === undefined ? BOOT_ID : options.bootId;
    if (bootId !== null) store.setBootId(TASK_ID, bootId);
    if (options.cancelling) store.markCancelling(TASK_ID);
    let clock = AT;
    const sleeps: number[] = [];
    const ends: TaskEnd[] = [];
    const taskIngest = new TaskIngest({
      store,
      runner: () => runner,
      changed: () => {},
      ended: (_taskId, end) => ends.push(end),
      log: quiet,
      maxTaskOutputBytes: options.capBytes ?? 1 << 20,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    await taskIngest.ensure(TASK_ID);
    const task = store.get(TASK_ID);
    if (!task) throw new Error("task vanished");
    const chunks = store.readChunks(TASK_ID, 0, 1 << 20, 1000);
    const text = chunks.map((chunk) => chunk.content).join("");
    return { task, text, ends, sleeps };
  });
}

function linesUpTo(count: number): string {
  return outputs(count)
    .map((event) => (event.type === "output" ? event.text : ""))
    .join("");
}

it("stores every event once across broken streams, backing off only while nothing arrives", async () => {
  const runner = new ScriptedRunner(withExit(outputs(6)), [
    { deliver: 2 },
    { deliver: 0 },
    { deliver: 3 },
    { deliver: 10 },
  ]);
  const { task, text, ends, sleeps } = await ingest(runner);
  expect(runner.cursors).toEqual([0, 2, 2, 5]);
  expect(text).toBe(linesUpTo(6));
  expect(task.status).toBe("completed");
  expect(task.last_seq).toBe(7);
  expect(ends).toEqual([expect.objectContaining({ status: "completed", reason: "exited", exitCode: 0 })]);
  // Progress resets the back-off; an empty stream doubles it.
  expect(sleeps).toEqual([250, 500, 250]);
});

it.each([
  [
    "restarted (run_not_found, new boot id)",
    "run_not_found",
    "boot-2",
    "The runner restarted while the task was running.",
  ],
  [
    "forgot the run (run_not_found, same boot id)",
    "run_not_found",
    BOOT_ID,
    "The runner no longer knows this run.",
  ],
  [
    "dropped unstored output (events_evicted)",
    "events_evicted",
    BOOT_ID,
    "The runner dropped output that was not yet stored.",
  ],
  [
    "refused (any other code)",
    "unauthorized",
    BOOT_ID,
    "The runner refused to stream output (unauthorized).",
  ],
  [
    "restarted while unreachable (new boot id)",
    "unreachable",
    "boot-2",
    "The runner restarted while the task was running.",
  ],
] as const)(
  "fails the task as runner_lost, keeping its output, when the runner %s",
  async (_name, code, bootId, why) => {
    const runner = new ScriptedRunner(withExit(outputs(6)), [{ deliver: 3 }, { fail: code }]);
    runner.bootId = bootId;
    const { task, text, ends, sleeps } = await ingest(runner);
    expect(task.status).toBe("failed");
    expect(task.reason).toBe("runner_lost");
    expect(task.error).toBe(`${why} The output received before that is kept.`);
    expect(text).toBe(linesUpTo(3));
    expect(ends).toHaveLength(1);
    expect(sleeps).toEqual([LIMITS.RECONNECT_BACKOFF_MS]);
  },
);

it("fails the task at the first retry after the runner has been unreachable for the whole limit", async () => {
  const runner = new ScriptedRunner(withExit(outputs(2)), [{ deliver: 1 }]);
  runner.healthReachable = false;
  const { task, text, sleeps } = await ingest(runner);
  expect(task.status).toBe("failed");
  expect(task.reason).toBe("runner_lost");
  expect(task.error).toBe(
    `The runner has been unreachable for ${LIMITS.RUNNER_UNREACHABLE_FAIL_MS / 1000} s. The output received before that is kept.`,
  );
  expect(text).toBe(linesUpTo(1));
  expect(sleeps.slice(0, 6)).toEqual([250, 500, 1000, 2000, 4000, 5000]);
  expect(sleeps.slice(6).every((ms) => ms === LIMITS.RECONNECT_BACKOFF_MAX_MS)).toBe(true);
  // The first sleep follows the stream that delivered; the runner was unreachable for the rest.
  const unreachable = sleeps.slice(1);
  const waited = unreachable.reduce((sum, ms) => sum + ms, 0);
  expect(waited).toBeGreaterThan(LIMITS.RUNNER_UNREACHABLE_FAIL_MS);
  expect(waited - (unreachable.at(-1) ?? 0)).toBeLessThanOrEqual(LIMITS.RUNNER_UNREACHABLE_FAIL_MS);
});

it("measures unreachability from the last stream that worked, not from the first outage", async () => {
  // Two outages of ~43 s each (over the limit together), with one working stream between them.
  const outage: Connection[] = Array.from({ length: 12 }, () => ({ fail: "unreachable" }));
  const runner = new ScriptedRunner(withExit(outputs(4)), [
    ...outage,
    { deliver: 2 },
    ...outage,
    { deliver: 10 },
  ]);
  runner.healthReachable = false;
  const { task, text, sleeps } = await ingest(runner);
  expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThan(LIMITS.RUNNER_UNREACHABLE_FAIL_MS);
  expect(task.status).toBe("completed");
  expect(text).toBe(linesUpTo(4));
});

it("fails the task as internal when reading its output throws something that is not a runner error", async () => {
  const runner = new ScriptedRunner(withExit(outputs(4)), [{ deliver: 2 }, { crash: "bug in the reader" }]);
  const { task, text, ends } = await ingest(runner);
  expect(task.status).toBe("failed");
  expect(task.reason).toBe("internal");
  expect(task.error).toBe("Internal error while reading output.");
  expect(text).toBe(linesUpTo(2));
  expect(ends).toHaveLength(1);
});

describe("a task the user cancelled", () => {
  it("ends as the run ended: a turn that completed before the cancel keeps all its output", async () => {
    const runner = new ScriptedRunner(withExit(outputs(8)), [{ deliver: 3 }, { deliver: 10 }]);
    const { task, text, ends } = await ingest(runner, { cancelling: true });
    expect(task.status).toBe("completed");
    expect(text).toBe(linesUpTo(8));
    expect(ends).toEqual([expect.objectContaining({ status: "completed", reason: "exited" })]);
  });

  it("ends cancelled, with every line kiro-cli wrote before it stopped", async () => {
    const log = withExit(outputs(5));
    const exit = log.at(-1);
    if (exit?.type !== "exit") throw new Error("no exit event");
    Object.assign(exit, { status: "cancelled", reason: "cancelled", error: "the run was cancelled" });
    const { task, text } = await ingest(new ScriptedRunner(log, [{ deliver: 2 }, { deliver: 10 }]), {
      cancelling: true,
    });
    expect([task.status, task.reason, task.error]).toEqual(["cancelled", "cancelled", CANCELLED_BY_USER]);
    expect(text).toBe(linesUpTo(5));
  });

  it("ends cancelled, saying the runner never confirmed, when the runner is lost meanwhile", async () => {
    const runner = new ScriptedRunner(withExit(outputs(6)), [{ deliver: 3 }, { fail: "run_not_found" }]);
    const { task, text } = await ingest(runner, { cancelling: true });
    expect(task.status).toBe("cancelled");
    expect(task.error).toBe(
      `${CANCELLED_BY_USER} The runner did not confirm that kiro-cli stopped: The runner no longer knows this run. The output received before that is kept.`,
    );
    expect(text).toBe(linesUpTo(3));
  });
});

it("streams nothing before the runner has accepted the run", async () => {
  const runner = new ScriptedRunner(withExit(outputs(2)), [{ deliver: 10 }]);
  const { task, ends } = await ingest(runner, { bootId: null });
  expect(runner.cursors).toEqual([]);
  expect(task.status).toBe("running");
  expect(ends).toEqual([]);
});

it("says the turn completed when the runner deleted the rest of its output after the retention", async () => {
  const runner = new ScriptedRunner(withExit(outputs(6)), [{ deliver: 2 }, { fail: "run_expired" }]);
  runner.summary = {
    run_id: TASK_ID,
    boot_id: BOOT_ID,
    status: "completed",
    last_seq: 7,
    started_at: AT,
    ended_at: AT,
  };
  const { task, text, ends } = await ingest(runner);
  expect([task.status, task.reason]).toEqual(["failed", "output_incomplete"]);
  expect(task.error).toBe(
    "Output incomplete: Kiro completed the turn, but the runner deleted the rest of its output before it was stored (the runner keeps a finished turn's output for KIRO_RUN_RETENTION_MS). The output received before that is kept.",
  );
  expect(text).toBe(linesUpTo(2));
  // Kiro's conversation holds the turn: the session's next turn continues it.
  expect(ends.map(turnCompleted)).toEqual([true]);
});

it("counts Kiro's output in total_bytes, not the truncation notice, and adds the notice once", async () => {
  const lines = outputs(40);
  const runner = new ScriptedRunner(withExit(lines), [{ deliver: 10 }, { deliver: 10 }, { deliver: 100 }]);
  const capBytes = 100;
  const { task, text } = await ingest(runner, { capBytes });
  expect(task.status).toBe("completed");
  expect(text.startsWith(linesUpTo(40).slice(0, capBytes))).toBe(true);
  expect(text.slice(capBytes)).toMatch(/^Output truncated: this task stores at most 100 bytes/);
  expect(text.match(/Output truncated/g)).toHaveLength(1);
  expect(task.total_bytes).toBe(capBytes);
});
