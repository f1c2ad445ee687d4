/**
 * The session's container as the session object reaches it: the real KiroContainer class on a
 * fake Durable Object context whose `ctx.container` plays the platform (container-platform.ts).
 * Two facts the deployment depends on:
 *   - when Cloudflare has no container instance for the session (the account's limits), the
 *     user gets a clear, retryable runner_unavailable error that says what to do — not an
 *     internal error;
 *   - while a turn runs, the session holds its event stream open, and that keeps the container
 *     awake past its idle timeout; once the turn is over the container may sleep.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError } from "../../src/errors.ts";
import { KiroContainer } from "../../src/runner/container.ts";
import { containerFetch } from "../../src/runner/container-answers.ts";
import { CONTAINER_RUNNER_DEADLINES, HttpRunnerClient } from "../../src/runner/http-client.ts";
import { TaskIngest } from "../../src/session/ingest.ts";
import { callRunner } from "../../src/session/runner-call.ts";
import { SESSION_SCHEMA } from "../../src/session/schema.ts";
import { TaskStore } from "../../src/session/task-store.ts";
import { durableSql, migrate } from "../../src/storage/sql.ts";
import type { Logger } from "../../src/util/log.ts";
import { fakePlatform, pause, withContainerContext } from "./container-platform.ts";

/** The error the platform reports from `ctx.container.monitor()` when max_instances is reached. */
const NO_INSTANCE_ERROR = "there is no container instance that can be provided to this durable object";

const quiet: Logger = { info() {}, warn() {}, error() {}, with: () => quiet };

it("answers a start refused for want of a container instance with a retryable, actionable error", async () => {
  const platform = fakePlatform({
    // The platform refuses the instance a moment after start(), as the monitor reports it.
    monitor: () => new Promise((_, reject) => setTimeout(() => reject(new Error(NO_INSTANCE_ERROR)), 0)),
    port: async () => {
      throw new Error("the container is not listening");
    },
  });
  await withContainerContext(platform, async (state) => {
    const container = new KiroContainer(state, env);
    const answers: string[] = [];
    const recorded = {
      fetch: async (request: Request) => {
        const response = await container.fetch(request);
        answers.push(`${response.status} ${(await response.clone().text()).split("\n")[0]}`);
        return response;
      },
    };
    const runner = new HttpRunnerClient(
      containerFetch(recorded),
      "http://runner",
      "secret",
      CONTAINER_RUNNER_DEADLINES,
    );
    const start = callRunner(quiet, () => runner.startRun({ run_id: "r1", message: "hi", cwd: "" }));
    const error = await start.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(answers).toEqual(["503 There is no Container instance available at this time."]);
    expect(platform.starts).toBeGreaterThan(1);
    expect(error).toBeInstanceOf(KiroError);
    expect((error as KiroError).code).toBe(ErrorCode.RunnerUnavailable);
    expect((error as KiroError).message).toContain("Try again in a minute or two");
    expect((error as KiroError).message).toContain("Containers limits");
  });
}, 30_000);

/** A running turn's events as the runner streams them: one output every `gapMs`, then the exit. */
function trickle(outputs: number, gapMs: number, open: { streams: number }): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      open.streams += 1;
      for (let seq = 1; seq <= outputs + 1; seq += 1) {
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        const event: RunEvent =
          seq <= outputs
            ? { seq, at: Date.now(), type: "output", text: `line ${seq}\n` }
            : {
                seq,
                at: Date.now(),
                type: "exit",
                status: "completed",
                reason: "exited",
                exit_code: null,
                signal: null,
                stderr_tail: "",
                output_bytes: 7 * outputs,
              };
        controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
      }
      controller.close();
      open.streams -= 1;
    },
    cancel() {
      open.streams -= 1;
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

it("keeps the container awake while the session streams a running turn, and lets it sleep after", async () => {
  const open = { streams: 0 };
  const platform = fakePlatform({
    running: true,
    port: async (url) => {
      if (new URL(url).pathname !== "/runs/task_awake/events") return new Response("{}", { status: 404 });
      return trickle(6, 500, open);
    },
  });
  await withContainerContext(platform, async (state) => {
    const sql = durableSql(state.storage);
    migrate(sql, SESSION_SCHEMA);
    // The session's tables and the container's share this object's storage here, and its schema
    // version: the container's own table is made by hand, as its migration would.
    sql.run("CREATE TABLE snapshot_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const store = new TaskStore(sql);
    store.create("task_awake", "hello", Date.now());
    store.setBootId("task_awake", "boot-1");
    const container = new KiroContainer(state, env, { idleMs: 1_000 });
    const runner = new HttpRunnerClient(
      containerFetch(container),
      "http://runner",
      "secret",
      CONTAINER_RUNNER_DEADLINES,
    );
    const ingest = new TaskIngest({
      store,
      runner: () => runner,
      changed: () => {},
      ended: () => {},
      log: quiet,
      maxTaskOutputBytes: 1 << 20,
    });
    const done = ingest.ensure("task_awake");
    // The turn lasts about 3.5 s, over three times the idle timeout: the container's alarm checks
    // whether it may sleep (every 0.6 s here) and must find it busy each time.
    const inFlight: number[] = [];
    while (store.get("task_awake")?.status === "running") {
      await pause(600);
      await container.alarm();
      inFlight.push(open.streams);
    }
    await done;
    expect(store.get("task_awake")?.status).toBe("completed");
    expect(platform.events).toEqual([]);
    // Every check while the turn ran found the session's event stream open.
    expect(inFlight.length).toBeGreaterThan(2);
    expect(inFlight.slice(0, -1).every((count) => count === 1)).toBe(true);
    // Nothing in flight any more: after the idle timeout of quiet the container sleeps.
    await pause(1_200);
    await container.alarm();
    expect(platform.events).toEqual(["signal 15"]);
  });
}, 30_000);
