import { countRequest } from "../debug/request-counts.ts";
import { settings } from "../settings.ts";
import type { RunnerClient } from "./client.ts";
import { containerFetch } from "./container.ts";
import { CONTAINER_RUNNER_DEADLINES, HttpRunnerClient } from "./http-client.ts";

/**
 * The runner for one session: a host runner at KIRO_RUNNER_URL when it is set (local dev and
 * tests), otherwise the session's own container, addressed by the session object's name.
 */
export function runnerForSession(env: Env, sessionObjectName: string): RunnerClient {
  const secret = env.KIRO_RUNNER_SECRET ?? "";
  const { runnerUrl } = settings(env);
  if (runnerUrl) {
    // Counted as what each of these is in a deployment: a request to the session's container.
    const counted = (request: Request) => {
      countRequest(env, "KiroContainer.fetch (host runner here)");
      return fetch(request);
    };
    return new HttpRunnerClient(counted, runnerUrl, secret);
  }
  const container = env.KIRO_CONTAINER.getByName(sessionObjectName);
  return new HttpRunnerClient(containerFetch(container), "http://runner", secret, CONTAINER_RUNNER_DEADLINES);
}
