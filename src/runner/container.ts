import { DurableObject } from "cloudflare:workers";
import { messageOf } from "../errors.ts";
import { durableSql } from "../storage/sql.ts";
import { createLogger } from "../util/log.ts";
import { startFailureAnswer } from "./container-answers.ts";
import type { PlatformContainer, StartSettings } from "./container-control.ts";
import { type IdleTimes, planAlarm } from "./container-idle.ts";
import { ContainerActivity, forward } from "./container-proxy.ts";
import { ContainerStartError, START_LIMITS, type StartLimits, startContainer } from "./container-start.ts";
import { containerEnv } from "./credential.ts";
import { ContainerSnapshots, type StartRecord } from "./snapshots.ts";

/** Port the runner listens on inside the container (container/Dockerfile sets PORT to it). */
export const RUNNER_PORT = 8080;

/** A container this long without a request, and none in flight, is snapshotted and stopped. */
export const CONTAINER_IDLE_MS = 15 * 60_000;

/** How long a session's container stays quiet after work before it is snapshotted. */
export const SNAPSHOT_DEBOUNCE_MS = 60_000;

/**
 * The platform stops a running container this long after its object went away (evicted while the
 * container idles): longer than CONTAINER_IDLE_MS, so the object's alarm, which wakes it again,
 * snapshots and stops the container first; the platform's stop is only the backstop.
 */
const INACTIVITY_BACKSTOP_MS = CONTAINER_IDLE_MS + 10 * 60_000;

const SIGTERM = 15;
const SNAPSHOT_ASKED_KEY = "container.snapshot_asked_at";

export type ContainerStatus = "stopped" | "starting" | "running" | "stopping";

/** Settings tests shorten; a deployment uses the defaults. */
export interface KiroContainerOptions {
  idleMs?: number;
  start?: StartLimits;
}

/**
 * One container per Kiro session, named after its session object, running the runner
 * (container/src/main.ts) with kiro-cli inside, on the platform's Durable Object container API
 * (`ctx.container`). Only the session object talks to it: fetch() starts the container when it
 * is not running (container-start.ts) and forwards the request to the runner's port, counted in
 * flight until its response ends (container-proxy.ts), so a running turn's open event stream keeps
 * the container awake. Its disk is ephemeral: it is snapshotted after work and before the
 * container sleeps, and each start restores the latest snapshot when it can (snapshots.ts). One
 * alarm serves both deadlines, the idle stop and the debounced snapshot (container-idle.ts).
 */
export class KiroContainer extends DurableObject<Env> {
  readonly #snapshots: ContainerSnapshots | undefined;
  readonly #activity: ContainerActivity;
  readonly #times: IdleTimes;
  readonly #limits: StartLimits;
  #starting: Promise<void> | undefined;
  /** The runner answered since the container last started. */
  #ready = false;
  #stopping = false;
  /** The monitor() of the running container, watched for its exit. */
  #watched: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env, options: KiroContainerOptions = {}) {
    super(ctx, env);
    this.#snapshots = ctx.container && new ContainerSnapshots(ctx.container, durableSql(ctx.storage));
    this.#activity = new ContainerActivity(ctx.storage.kv);
    this.#times = { idleMs: options.idleMs ?? CONTAINER_IDLE_MS, debounceMs: SNAPSHOT_DEBOUNCE_MS };
    this.#limits = options.start ?? START_LIMITS;
    // Back beside a container that kept running while this object was away: watch for its exit.
    if (ctx.container?.running) this.#watch(ctx.container.monitor());
  }

  /** A request for the runner: the container started if need be, then the request forwarded. */
  override async fetch(request: Request): Promise<Response> {
    let platform: PlatformContainer;
    try {
      platform = await this.#readyContainer();
    } catch (error) {
      if (error instanceof ContainerStartError) return startFailureAnswer(error.kind, error.message);
      throw error;
    }
    try {
      return await forward(platform.getTcpPort(RUNNER_PORT), request, this.#activity);
    } catch (error) {
      return new Response(`The session's container did not answer: ${messageOf(error)}`, { status: 502 });
    }
  }

  /**
   * Starts the container when it is not running (from its snapshot when it can) and says how it
   * last started, for the session to tell its user about a workspace that did not come back. A
   * start that fails is reported as such; the runner request that follows says why.
   */
  async ensureStarted(): Promise<{ started: boolean; last: StartRecord | null }> {
    try {
      await this.#readyContainer();
    } catch (error) {
      log.warn("container.start_failed", { error: messageOf(error) });
      return { started: false, last: this.#snapshots?.lastStart() ?? null };
    }
    return { started: true, last: this.#snapshots?.lastStart() ?? null };
  }

  /**
   * The session did work (a turn ended, its clone is ready): a snapshot follows once the container
   * has been quiet for SNAPSHOT_DEBOUNCE_MS, so a burst of turns makes one snapshot.
   */
  async snapshotSoon(): Promise<void> {
    this.#snapshots?.markChanged();
    const now = Date.now();
    this.ctx.storage.kv.put(SNAPSHOT_ASKED_KEY, now);
    await this.#alarmBy(now + this.#times.debounceMs);
  }

  /** Whether the container runs, for kiro_pool_stats. Never starts it. */
  async status(): Promise<{ status: ContainerStatus }> {
    if (!this.ctx.container?.running) return { status: "stopped" };
    if (this.#stopping) return { status: "stopping" };
    return { status: this.#starting ? "starting" : "running" };
  }

  /** The session ended: its container goes away at once, with no snapshot. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    this.ctx.storage.kv.delete(SNAPSHOT_ASKED_KEY);
    if (this.ctx.container?.running) await this.ctx.container.destroy();
  }

  /** The idle stop and the debounced snapshot, whichever is due; then the next alarm. */
  override async alarm(): Promise<void> {
    const plan = planAlarm(
      {
        running: this.ctx.container?.running ?? false,
        inflight: this.#activity.inflight,
        activeAt: this.#activity.activeAt,
        snapshotAskedAt: this.ctx.storage.kv.get<number>(SNAPSHOT_ASKED_KEY) ?? null,
        now: Date.now(),
      },
      this.#times,
    );
    if (plan.snapshot) await this.#takeSnapshot();
    let next = plan.next;
    if (plan.sleep && !(await this.sleep())) next = this.#activity.activeAt + this.#times.idleMs;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /**
   * The container has been idle: a snapshot of what changed since the last one, then SIGTERM (the
   * runner drains and exits). Answers false, and leaves it running, when a request came meanwhile.
   */
  async sleep(): Promise<boolean> {
    const platform = this.ctx.container;
    if (!platform?.running) return true;
    const activeAt = this.#activity.activeAt;
    if (this.#snapshots?.changed) await this.#takeSnapshot();
    if (this.#activity.inflight > 0 || this.#activity.activeAt !== activeAt) return false;
    this.#stopping = true;
    platform.signal(SIGTERM);
    log.info("container.sleep", { idle_ms: Date.now() - activeAt });
    return true;
  }

  /** Snapshots the running container when it holds work no snapshot has. */
  async #takeSnapshot(): Promise<void> {
    this.ctx.storage.kv.delete(SNAPSHOT_ASKED_KEY);
    if (!this.#snapshots?.changed) return;
    try {
      const taken = await this.#snapshots.take(`kiro-${this.ctx.id.toString().slice(0, 16)}`);
      if (taken) log.info("container.snapshot", { id: taken.id, size: taken.size });
    } catch (error) {
      // The previous snapshot stays the latest: the next start restores it, and says how old it is.
      log.error("container.snapshot_failed", { error: messageOf(error) });
    }
  }

  /** The platform's container once its runner answers; one start at a time, shared by all callers. */
  async #readyContainer(): Promise<PlatformContainer> {
    const platform = this.ctx.container;
    if (platform === undefined) {
      throw new Error("containers are not enabled for KiroContainer (wrangler.toml: [[containers]])");
    }
    if (platform.running && this.#ready) return platform;
    this.#starting ??= this.#start(platform).finally(() => {
      this.#starting = undefined;
    });
    await this.#starting;
    return platform;
  }

  async #start(platform: PlatformContainer): Promise<void> {
    const settings: StartSettings = {
      enableInternet: true,
      env: await containerEnv(this.env.KIRO_RUNNER_SECRET, this.ctx.id.toString()),
    };
    let launched = false;
    const options = () => {
      launched = true;
      return this.#snapshots?.startOptions(settings) ?? settings;
    };
    let monitor: Promise<void>;
    try {
      ({ monitor } = await startContainer(platform, options, RUNNER_PORT, this.#limits));
    } catch (error) {
      const kind = error instanceof ContainerStartError ? error.kind : "failed";
      // A start that never got an instance says nothing about the snapshot it was to restore.
      if (kind === "failed" || kind === "not_ready") this.#snapshots?.startFailed(error);
      throw error;
    }
    this.#ready = true;
    this.#stopping = false;
    this.#watch(monitor);
    this.#activity.touch();
    await this.#alarmBy(Date.now() + this.#times.idleMs);
    await platform.setInactivityTimeout(INACTIVITY_BACKSTOP_MS).catch((error: unknown) => {
      log.warn("container.inactivity_timeout", { error: messageOf(error) });
    });
    const start = launched ? this.#snapshots?.started() : undefined;
    if (start)
      log.info("container.started", { kind: start.kind, seq: start.seq, reason: start.reason ?? undefined });
  }

  /** When the container exits (stopped, crashed, or destroyed), it is no longer ready. */
  #watch(monitor: Promise<void>): void {
    if (this.#watched === monitor) return;
    this.#watched = monitor;
    const exited = (error: unknown) => {
      if (this.#watched !== monitor) return;
      this.#watched = undefined;
      this.#ready = false;
      this.#stopping = false;
      log.info("container.exited", { error: error === undefined ? undefined : messageOf(error) });
    };
    monitor.then(
      () => exited(undefined),
      (error: unknown) => exited(error ?? "failed"),
    );
  }

  /** The alarm fires by `at` at the latest (it may already be due earlier). */
  async #alarmBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

const log = createLogger({ component: "container" });
