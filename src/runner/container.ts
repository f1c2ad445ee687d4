import { Container } from "@cloudflare/containers";
import { messageOf } from "../errors.ts";
import { durableSql } from "../storage/sql.ts";
import { createLogger } from "../util/log.ts";
import { RunnerRequestError } from "./client.ts";
import type { PlatformContainer, StartSettings } from "./container-control.ts";
import { containerEnv } from "./credential.ts";
import type { RunnerFetch } from "./http-client.ts";
import { ContainerSnapshots, type StartRecord } from "./snapshots.ts";

/** Port the runner listens on inside the container (container/Dockerfile sets PORT to it). */
export const RUNNER_PORT = 8080;

/**
 * One container per Kiro session, named after its session object, running the runner
 * (container/src/main.ts) with kiro-cli inside. Only the session object talks to it.
 *
 * Its disk is ephemeral: its filesystem is snapshotted after work and before it sleeps, and each
 * start restores the latest snapshot when it can (snapshots.ts, through the start() of the handle
 * the library is given). It stays awake while a run's event stream is open and sleeps after
 * `sleepAfter` of quiet. Awake, per @cloudflare/containers 0.3.7 (dist/lib/container.js):
 * `containerFetch` counts every proxied request in `inflightRequests` and, for a response with a
 * body, decrements it only when the body has been piped through to the end
 * (`res.body.pipeTo(writable).finally(() => this.decrementInflight())`); `isActivityExpired()`,
 * which the alarm loop asks before `onActivityExpired()` stops the container, answers false and
 * renews the timeout while that count is above 0. A turn's NDJSON event stream stays open until
 * its exit event, and the session object reads one for every running task (session/ingest.ts,
 * test/worker/container.test.ts), so a container never sleeps under a running turn.
 */
export class KiroContainer extends Container<Env> {
  override defaultPort = RUNNER_PORT;
  override sleepAfter = "15m";
  override enableInternet = true;
  readonly #snapshots: ContainerSnapshots | undefined;

  constructor(ctx: ConstructorParameters<typeof Container>[0], env: Env) {
    // The library starts the container with ctx.container.start(); the snapshots decide what it
    // starts from (its latest snapshot, or the runner image), so the library is given a handle
    // whose start() asks them first. Without containers (ctx.container unset) the library says so.
    const snapshots = ctx.container
      ? new ContainerSnapshots(ctx.container, durableSql(ctx.storage))
      : undefined;
    if (ctx.container && snapshots) {
      Object.defineProperty(ctx, "container", {
        value: startingFrom(ctx.container, snapshots),
        configurable: true,
      });
    }
    super(ctx, env);
    this.#snapshots = snapshots;
    // Before the first request can start the container: its environment holds its credential.
    ctx.blockConcurrencyWhile(async () => {
      this.envVars = await containerEnv(env.KIRO_RUNNER_SECRET, ctx.id.toString());
    });
  }

  override onStart(): void {
    const start = this.#snapshots?.started();
    if (start)
      log.info("container.started", { kind: start.kind, seq: start.seq, reason: start.reason ?? undefined });
  }

  override onError(error: unknown): unknown {
    this.#snapshots?.startFailed(error);
    return super.onError(error);
  }

  /** Before the container sleeps: a snapshot of what changed since the last one, then stop. */
  override async onActivityExpired(): Promise<void> {
    if (this.#snapshots?.changed) await this.takeSnapshot();
    await super.onActivityExpired();
  }

  /**
   * The session did work (a turn ended, its clone is ready): a snapshot follows once it has been
   * quiet for SNAPSHOT_DEBOUNCE_S, so a burst of turns makes one snapshot.
   */
  async snapshotSoon(): Promise<void> {
    this.#snapshots?.markChanged();
    this.deleteSchedules("takeSnapshot");
    await this.schedule(SNAPSHOT_DEBOUNCE_S, "takeSnapshot");
  }

  /** Snapshots the running container when it holds work no snapshot has (a schedule's callback). */
  async takeSnapshot(): Promise<void> {
    if (!this.#snapshots?.changed) return;
    try {
      const taken = await this.#snapshots.take(`kiro-${this.ctx.id.toString().slice(0, 16)}`);
      if (taken) log.info("container.snapshot", { id: taken.id, size: taken.size });
    } catch (error) {
      // The previous snapshot stays the latest: the next start restores it, and says how old it is.
      log.error("container.snapshot_failed", { error: messageOf(error) });
    }
  }

  /**
   * Starts the container when it is not running (from its snapshot when it can) and says how it
   * last started, for the session to tell its user about a workspace that did not come back. A
   * start that fails is reported as such; the runner request that follows says why.
   */
  async ensureStarted(): Promise<{ started: boolean; last: StartRecord | null }> {
    try {
      if (!this.ctx.container?.running) await this.startAndWaitForPorts();
    } catch (error) {
      log.warn("container.start_failed", { error: messageOf(error) });
      return { started: false, last: this.#snapshots?.lastStart() ?? null };
    }
    return { started: true, last: this.#snapshots?.lastStart() ?? null };
  }
}

/** How long a session's container stays quiet after work before it is snapshotted. */
export const SNAPSHOT_DEBOUNCE_S = 60;

const log = createLogger({ component: "container" });

/** The platform's handle, its start() deciding with the snapshots what the container starts from. */
function startingFrom(platform: PlatformContainer, snapshots: ContainerSnapshots): PlatformContainer {
  return new Proxy(platform, {
    get(target, property) {
      if (property === "start") {
        return (settings: StartSettings) => target.start(snapshots.startOptions(settings));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** What the runner client needs of a container: its stub's fetch. */
export interface ContainerFetcher {
  fetch(request: Request): Promise<Response>;
}

/**
 * @cloudflare/containers answers for a container it could not start, in plain text: 503 "There
 * is no Container instance available at this time…" when the platform has no instance for it
 * (the account's limits, or the image is still being provisioned), 429 when Cloudflare refuses to start more containers
 * per second. Matched on the start of those texts, lower-cased, as the library matches the
 * platform's errors.
 */
const NO_INSTANCE = "there is no container instance available";
const TOO_MANY_STARTS = "too many containers per second";

const NO_INSTANCE_MESSAGE =
  "No container is free to run this Kiro session right now: Cloudflare could not give it a container instance (the account's container limits are reached, or the runner image is still being prepared). Try again in a minute or two. If this keeps happening, the operator should check the account's Containers limits (README: How many containers run).";
const TOO_MANY_STARTS_MESSAGE =
  "Cloudflare is starting too many containers at once and refused this session's; try again in a few seconds.";

/**
 * The session's container as the runner client's fetch: the library's own answers for a
 * container it could not start become RunnerRequestError `no_container` (retryable, with a
 * message for the user and the operator); every answer from the runner passes unchanged.
 */
export function containerFetch(container: ContainerFetcher): RunnerFetch {
  return async (request) => {
    const response = await container.fetch(request);
    if (response.status !== 503 && response.status !== 429) return response;
    if (response.headers.get("content-type")?.includes("application/json")) return response;
    const text = await response.text();
    const lower = text.toLowerCase();
    if (response.status === 503 && lower.startsWith(NO_INSTANCE))
      throw new RunnerRequestError("no_container", NO_INSTANCE_MESSAGE, 503);
    if (lower.includes(TOO_MANY_STARTS))
      throw new RunnerRequestError("no_container", TOO_MANY_STARTS_MESSAGE, 429);
    return new Response(text, { status: response.status, headers: response.headers });
  };
}
