/**
 * What a session's container object answers when it could not start the container, and how the
 * runner client reads those answers. Plain-text answers marked with FAILURE_HEADER, so they can
 * never be mistaken for a runner's own (JSON) error: no instance for it (503) and too many starts
 * per second (429) become the retryable RunnerRequestError `no_container`, with a message for the
 * user and the operator; a container that stopped before its runner answered (502) or whose
 * runner did not answer in time (504) passes on, and the client counts it as unreachable.
 */
import { RunnerRequestError } from "./client.ts";
import type { StartFailure } from "./container-start.ts";
import type { RunnerFetch } from "./http-client.ts";

/** Marks an answer of the container object itself, naming the StartFailure. */
export const FAILURE_HEADER = "kiro-container-failure";

const STATUS: Record<StartFailure, number> = {
  no_instance: 503,
  rate_limited: 429,
  failed: 502,
  not_ready: 504,
};

const FIRST_LINE: Record<StartFailure, string> = {
  no_instance: "There is no Container instance available at this time.",
  rate_limited: "Cloudflare refused to start more containers per second.",
  failed: "The session's container stopped before its runner answered.",
  not_ready: "The session's container did not answer in time.",
};

/** The container object's answer for a start that failed: the kind, then the details. */
export function startFailureAnswer(kind: StartFailure, detail: string): Response {
  return new Response(`${FIRST_LINE[kind]}\n${detail}`, {
    status: STATUS[kind],
    headers: { "content-type": "text/plain; charset=utf-8", [FAILURE_HEADER]: kind },
  });
}

const NO_INSTANCE_MESSAGE =
  "No container is free to run this Kiro session right now: Cloudflare could not give it a container instance (the account's container limits are reached, or the runner image is still being prepared). Try again in a minute or two. If this keeps happening, the operator should check the account's Containers limits (README: How many containers run).";
const TOO_MANY_STARTS_MESSAGE =
  "Cloudflare is starting too many containers at once and refused this session's; try again in a few seconds.";

/** What the runner client needs of a container: its stub's fetch. */
export interface ContainerFetcher {
  fetch(request: Request): Promise<Response>;
}

/**
 * The session's container as the runner client's fetch: the object's answers for a container it
 * could not get an instance for become RunnerRequestError `no_container`; every other answer
 * passes unchanged.
 */
export function containerFetch(container: ContainerFetcher): RunnerFetch {
  return async (request) => {
    const response = await container.fetch(request);
    const kind = response.headers.get(FAILURE_HEADER);
    if (kind === "no_instance") {
      await response.body?.cancel();
      throw new RunnerRequestError("no_container", NO_INSTANCE_MESSAGE, response.status);
    }
    if (kind === "rate_limited") {
      await response.body?.cancel();
      throw new RunnerRequestError("no_container", TOO_MANY_STARTS_MESSAGE, response.status);
    }
    return response;
  };
}
