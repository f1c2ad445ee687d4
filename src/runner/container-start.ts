/**
 * Starting a session's container and waiting until its runner answers. The platform's start()
 * returns before the container is ready, and the platform may have no instance for it at first
 * (the account's container limits; for a moment after a stop or a destroy), which the start's
 * monitor() reports. So a start is asked again while the platform has no instance, for up to
 * `allocateMs`, and the runner's port is probed until it answers, for up to `readyMs` from the
 * first start. Every wait is bounded and every failure is a ContainerStartError saying which.
 */
import { messageOf } from "../errors.ts";

/** The part of `ctx.container` a start uses. */
export type StartPlatform = Pick<Container, "running" | "start" | "monitor" | "getTcpPort">;

export interface StartLimits {
  /** Longest wait for the platform to give the container an instance. */
  allocateMs: number;
  /** Longest wait, from the first start, for the runner to answer on its port. */
  readyMs: number;
  /** Longest wait for one probe of the port. */
  probeMs: number;
  /** Pause between probes, and between starts the platform refused for want of an instance. */
  pollMs: number;
}

/** An instance is usually found within a few seconds; a cold start answers in 2-3 s (more for a 1 GB image). */
export const START_LIMITS: StartLimits = { allocateMs: 8_000, readyMs: 20_000, probeMs: 5_000, pollMs: 300 };

/**
 * `no_instance`: the platform had no instance for the container in time; `rate_limited`: it
 * refused to start more containers per second; `failed`: the container stopped (or its start was
 * refused) before its runner answered; `not_ready`: it runs, but its runner did not answer in time.
 */
export type StartFailure = "no_instance" | "rate_limited" | "failed" | "not_ready";

export class ContainerStartError extends Error {
  readonly kind: StartFailure;
  constructor(kind: StartFailure, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ContainerStartError";
    this.kind = kind;
  }
}

/** The platform's own wording of its refusals, matched lower-cased as substrings. */
const NO_INSTANCE = "there is no container instance that can be provided to this durable object";
const RATE_LIMITED = "you are requesting too many containers per second";

/** One start the platform was asked for, and how its monitor() settled once it has. */
interface Attempt {
  monitor: Promise<void>;
  exit?: { error: unknown };
}

/**
 * Starts the container (unless it runs already) and waits until `port` answers any HTTP request.
 * `options` is asked for each start the platform is given. Resolves with the monitor() of the
 * container that answered (wrapped: a promise resolved with a promise would wait for it).
 */
export async function startContainer(
  platform: StartPlatform,
  options: () => ContainerStartupOptions,
  port: number,
  limits: StartLimits = START_LIMITS,
): Promise<{ monitor: Promise<void> }> {
  const startedAt = Date.now();
  let attempt: Attempt | undefined;
  for (;;) {
    if (!platform.running) {
      if (attempt?.exit) {
        refusal(attempt.exit.error, port);
        attempt = undefined; // no instance yet: asked again below
      }
      if (Date.now() - startedAt >= limits.allocateMs) throw noInstance(limits.allocateMs);
      attempt ??= launch(platform, options, port);
    }
    const probe = await answers(platform.getTcpPort(port), limits.probeMs);
    if (probe === true) return { monitor: attempt?.monitor ?? platform.monitor() };
    if (Date.now() - startedAt >= limits.readyMs) {
      throw new ContainerStartError(
        "not_ready",
        `the container started, but its runner did not answer on port ${port} within ${limits.readyMs} ms (last error: ${messageOf(probe)})`,
        probe,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, limits.pollMs));
  }
}

/** Asks the platform to start the container; a refusal it throws at once is classified. */
function launch(platform: StartPlatform, options: () => ContainerStartupOptions, port: number): Attempt {
  try {
    platform.start(options());
  } catch (error) {
    refusal(error, port);
    const monitor = Promise.reject(error);
    monitor.catch(() => undefined);
    return { monitor, exit: { error } };
  }
  const attempt: Attempt = { monitor: platform.monitor() };
  attempt.monitor.then(
    () => {
      attempt.exit = { error: undefined };
    },
    (error: unknown) => {
      attempt.exit = { error };
    },
  );
  return attempt;
}

/** Throws for a start that ended before its runner answered, unless the platform only had no instance yet. */
function refusal(error: unknown, port: number): void {
  const text = error === undefined ? "" : messageOf(error).toLowerCase();
  if (text.includes(NO_INSTANCE)) return;
  if (text.includes(RATE_LIMITED)) throw new ContainerStartError("rate_limited", messageOf(error), error);
  const why = error === undefined ? "it exited" : messageOf(error);
  throw new ContainerStartError(
    "failed",
    `the container stopped before its runner answered on port ${port}: ${why}`,
    error,
  );
}

function noInstance(allocateMs: number): ContainerStartError {
  return new ContainerStartError(
    "no_instance",
    `the platform had no container instance for this session within ${allocateMs} ms`,
  );
}

/** True when the port answers an HTTP request (any status); otherwise why not. */
async function answers(port: Fetcher, probeMs: number): Promise<true | unknown> {
  try {
    const response = await port.fetch("http://runner/", { signal: AbortSignal.timeout(probeMs) });
    await response.body?.cancel();
    return true;
  } catch (error) {
    return error;
  }
}
