import { messageOf } from "../errors.ts";
import { settings } from "../settings.ts";
import { HttpRunnerClient } from "./http-client.ts";

/** How long /health waits for the host runner before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 2_000;

export type RunnerReport =
  | { mode: "container" }
  | { mode: "host"; reachable: true; boot_id: string; kiro_cli_found: boolean }
  | { mode: "host"; reachable: false; error: string };

/**
 * Where runs go. With a host runner (dev) it is asked directly; per-session containers start on
 * demand, so there is nothing to ask until a session exists.
 */
export async function runnerHealth(env: Env): Promise<RunnerReport> {
  const { runnerUrl } = settings(env);
  if (!runnerUrl) return { mode: "container" };
  const client = new HttpRunnerClient(
    (request) => fetch(request, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) }),
    runnerUrl,
    env.KIRO_RUNNER_SECRET ?? "",
  );
  try {
    const health = await client.health();
    return { mode: "host", reachable: true, boot_id: health.boot_id, kiro_cli_found: health.kiro_cli.found };
  } catch (error) {
    return { mode: "host", reachable: false, error: messageOf(error) };
  }
}
