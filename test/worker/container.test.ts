/**
 * The session's container as the session object reaches it: the real KiroContainer class and
 * @cloudflare/containers 0.3.7 on a fake Durable Object context whose `ctx.container` plays the
 * platform (containers cannot run here). Two facts the deployment depends on:
 *   - when Cloudflare has no container instance for the session (the account's limits), the
 *     user gets a clear, retryable runner_unavailable error that says what to do — not an
 *     internal error;
 *   - while a turn runs, the session holds its event stream open, and that keeps the container
 *     awake past `sleepAfter`; once the turn is over the container may sleep.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError } from "../../src/errors.ts";
import { containerFetch, KiroContainer } from "../../src/runner/container.ts";
import { CONTAINER_RUNNER_DEADLINES, HttpRunnerClient } from "../../src/runner/http-client.ts";
import { TaskIngest } from "../../src/session/ingest.ts";
import { callRunner } from "../../src/session/runner-call.ts";
import { SESSION_SCHEMA } from "../../src/session/schema.ts";
import { TaskStore } from "../../src/session/task-store.ts";
import { durableSql, migrate } from "../../src/storage/sql.ts";
import type { Logger } from "../../src/util/log.ts";

/** The error the platform reports from `ctx.container.monitor()` when max_instances is reached. */
const NO_INSTANCE_ERROR = "there is no container instance that can be provided to this durable object";

const quiet: Logger = { info() {}, warn() {}, error() {}, with: () => quiet };

type ContainerContext = ConstructorParameters<typeof KiroContainer>[0];

type TcpFetch = (url: string, request?: Request) => Promise<Response>;

/** The platform's side of one container: running or not, and what its runner port answers. */
interface FakePlatform {
  running: boolean;
  starts: number;
  /** What `monitor()` settles with once the container was started. */
  monitor: () => Promise<unknown>;
  port: TcpFetch;
}

/**
 * Runs `body` in a fresh Durable Object whose context carries `platform` as its
 * `ctx.container`: everything else (storage, alarms, blockConcurrencyWhile) is workerd's own.
 */
function withContainerContext<T>(
  platform: FakePlatform,
  body: (ctx: ContainerContext, state: DurableObjectState) => Promise<T>,
): Promise<T> {
  const stub = env.KIRO_SESSION.getByName(`container-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_instance, state) => {
    const container = {
      get running() {
        return platform.running;
      },
      start() {
        platform.starts += 1;
      },
      monitor: () => platform.monitor(),
      getTcpPort: () => ({ fetch: (url: string, request?: Request) => platform.port(url, request) }),
      signal() {},
      destroy: async () => {},
    };
    Object.defineProperty(state, "container", { value: container, configurable: true });
    return body(state as ContainerContext, state);
  });
}

it("answers a start refused for want of a container instance with a retryable, actionable error", async () => {
  const platform: FakePlatform = {
    running: false,
    starts: 0,
    // The platform refuses the instance a moment after start(), as the monitor reports it.
    monitor: () => new Promise((_, reject) => setTimeout(() => reject(new Error(NO_INSTANCE_ERROR)), 0)),
    port: async () => {
      throw new Error("the container is not listening");
    },
  };
  await withContainerContext(platform, async (ctx) => {
    const container = new KiroContainer(ctx, env);
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
  const platform: FakePlatform = {
    running: true,
    starts: 0,
    monitor: () => new Promise(() => {}),
    port: async (url) => {
      if (new URL(url).pathname !== "/runs/task_awake/events") return new Response("{}", { status: 404 });
      return trickle(6, 500, open);
    },
  };
  await withContainerContext(platform, async (ctx, state) => {
    const sql = durableSql(state.storage);
    migrate(sql, SESSION_SCHEMA);
    const store = new TaskStore(sql);
    store.create("task_awake", "hello", Date.now());
    store.setBootId("task_awake", "boot-1");
    await state.storage.put("__CF_CONTAINER_STATE", { status: "healthy", lastChange: Date.now() });
    const container = new KiroContainer(ctx, env);
    container.sleepAfter = "1s";
    const expired: number[] = [];
    container.onActivityExpired = async () => {
      expired.push(Date.now());
    };
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
    // The turn lasts about 3.5 s, over three times sleepAfter: the container's alarm checks
    // whether it may sleep (each check waits up to sleepAfter) and must find it busy each time.
    const inFlight: number[] = [];
    while (store.get("task_awake")?.status === "running") {
      await container.alarm();
      inFlight.push(open.streams);
    }
    await done;
    expect(store.get("task_awake")?.status).toBe("completed");
    expect(expired).toEqual([]);
    // Every check while the turn ran found the session's event stream open.
    expect(inFlight.length).toBeGreaterThan(2);
    expect(inFlight.slice(0, -1).every((count) => count === 1)).toBe(true);
    // Nothing in flight any more: after sleepAfter of quiet the container may sleep.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await container.alarm();
    expect(expired).toHaveLength(1);
  });
}, 30_000);
