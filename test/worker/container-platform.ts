/**
 * A Durable Object context whose `ctx.container` plays the platform (containers cannot run here),
 * for the real KiroContainer: everything else — storage, alarms — is workerd's own. The platform
 * side is a plain object the test scripts and reads: whether the container runs, what its
 * monitor() settles with, what its runner port answers, the signals and snapshots it was given.
 */
import { env, runInDurableObject } from "cloudflare:test";

export type TcpFetch = (url: string, request?: Request) => Promise<Response>;

export interface FakePlatform {
  running: boolean;
  starts: number;
  /** What `monitor()` settles with once the container was started. */
  monitor: () => Promise<unknown>;
  port: TcpFetch;
  /** Everything done to the container, in order: "start", "snapshot", "signal 15", "destroy". */
  events: string[];
  images?: Record<string, string>;
}

export function fakePlatform(overrides: Partial<FakePlatform> = {}): FakePlatform {
  return {
    running: false,
    starts: 0,
    monitor: () => new Promise(() => {}),
    port: async () => new Response("{}", { status: 404 }),
    events: [],
    ...overrides,
  };
}

/** The platform's handle as `ctx.container`: start() makes it run, signal() and destroy() stop it. */
function handle(platform: FakePlatform) {
  let snapshots = 0;
  return {
    get running() {
      return platform.running;
    },
    get images() {
      return platform.images ?? {};
    },
    start() {
      platform.starts += 1;
      platform.events.push("start");
    },
    monitor: () => platform.monitor(),
    getTcpPort: () => ({ fetch: (url: string, request?: Request) => platform.port(url, request) }),
    signal(signo: number) {
      platform.events.push(`signal ${signo}`);
    },
    async destroy() {
      platform.events.push("destroy");
      platform.running = false;
    },
    async setInactivityTimeout() {},
    async snapshotContainer() {
      snapshots += 1;
      platform.events.push("snapshot");
      return { id: `snap-${snapshots}`, size: 1 };
    },
  };
}

/** Runs `body` in a fresh Durable Object whose `ctx.container` is `platform`. */
export function withContainerContext<T>(
  platform: FakePlatform,
  body: (ctx: DurableObjectState) => Promise<T>,
): Promise<T> {
  const stub = env.KIRO_SESSION.getByName(`container-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_instance, state) => {
    Object.defineProperty(state, "container", { value: handle(platform), configurable: true });
    return body(state);
  });
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
