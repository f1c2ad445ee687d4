import { Container } from "@cloudflare/containers";
import { RunnerRequestError } from "./client.ts";
import { containerEnv } from "./credential.ts";
import type { RunnerFetch } from "./http-client.ts";

/** Port the runner listens on inside the container (container/Dockerfile sets PORT to it). */
export const RUNNER_PORT = 8080;

/**
 * One container per Kiro session, named after its session object, running the runner
 * (container/src/main.ts) with kiro-cli inside. Only the session object talks to it.
 *
 * It stays awake while a run's event stream is open and sleeps after `sleepAfter` of quiet; its
 * disk is ephemeral. Awake, per @cloudflare/containers 0.3.7 (dist/lib/container.js):
 * `containerFetch` counts every proxied request in `inflightRequests` and, for a response with a
 * body, decrements it only when the body has been piped through to the end
 * (`res.body.pipeTo(writable).finally(() => this.decrementInflight())`); `isActivityExpired()`,
 * which the alarm loop asks before `onActivityExpired()` stops the container, answers false and
 * renews the timeout while that count is above 0. A turn's NDJSON event stream stays open until
 * its exit event, and the session object reads one for every running task (session/ingest.ts,
 * test/worker/keep-awake.test.ts), so a container never sleeps under a running turn.
 */
export class KiroContainer extends Container<Env> {
  override defaultPort = RUNNER_PORT;
  override sleepAfter = "15m";
  override enableInternet = true;

  constructor(ctx: ConstructorParameters<typeof Container>[0], env: Env) {
    super(ctx, env);
    // Before the first request can start the container: its environment holds its credential.
    ctx.blockConcurrencyWhile(async () => {
      this.envVars = await containerEnv(env.KIRO_RUNNER_SECRET, ctx.id.toString());
    });
  }
}

/** What the runner client needs of a container: its stub's fetch. */
export interface ContainerFetcher {
  fetch(request: Request): Promise<Response>;
}

/**
 * @cloudflare/containers answers for a container it could not start, in plain text: 503 "There
 * is no Container instance available at this time…" when `max_instances` containers already run
 * (or the image is still being provisioned), 429 when Cloudflare refuses to start more containers
 * per second. Matched on the start of those texts, lower-cased, as the library matches the
 * platform's errors.
 */
const NO_INSTANCE = "there is no container instance available";
const TOO_MANY_STARTS = "too many containers per second";

const NO_INSTANCE_MESSAGE =
  "No container is free to run this Kiro session right now: the deployment already runs as many containers as its max_instances allows (or is still provisioning the container image). Try again in a minute or two. If this keeps happening, the operator should raise max_instances in wrangler.toml (README: Sizing max_instances).";
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
