import { LOCAL_USER_ID } from "../auth/authenticate.ts";
import { countRequest } from "../debug/request-counts.ts";
import { ErrorCode, KiroError } from "../errors.ts";
import { sessionObjectName } from "../ids.ts";
import { settings } from "../settings.ts";
import type { RunnerClient } from "./client.ts";
import { containerFetch } from "./container-answers.ts";
import { runnerCredential } from "./credential.ts";
import { CONTAINER_RUNNER_DEADLINES, HOST_RUNNER_DEADLINES, HttpRunnerClient } from "./http-client.ts";

/**
 * The runner for one session: a host runner at KIRO_RUNNER_URL when it is set (local dev and
 * tests), reached with the master secret and scoped to the session's user (their own area, home
 * and share of its slots; the local user has the whole workspace); otherwise the session's own
 * container, addressed by the session object's name and reached with that container's own
 * credential.
 */
export function runnerForSession(env: Env, userId: string, sessionId: string): RunnerClient {
  const master = env.KIRO_RUNNER_SECRET ?? "";
  if (master === "") {
    throw new KiroError(
      ErrorCode.RunnerUnavailable,
      "This server cannot reach its runners: its operator has not set KIRO_RUNNER_SECRET.",
    );
  }
  const { runnerUrl } = settings(env);
  if (runnerUrl) {
    // Counted as what each of these is in a deployment: a request to the session's container.
    const counted = (request: Request) => {
      countRequest(env, "KiroContainer.fetch (host runner here)");
      return fetch(request);
    };
    const user = userId === LOCAL_USER_ID ? undefined : userId;
    return new HttpRunnerClient(counted, runnerUrl, master, HOST_RUNNER_DEADLINES, user);
  }
  const id = env.KIRO_CONTAINER.idFromName(sessionObjectName(userId, sessionId));
  const container = env.KIRO_CONTAINER.get(id);
  return new HttpRunnerClient(
    containerFetch(container),
    "http://runner",
    runnerCredential(master, id.toString()),
    CONTAINER_RUNNER_DEADLINES,
  );
}
