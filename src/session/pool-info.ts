import { z } from "zod";
import { messageOf } from "../errors.ts";
import { sessionObjectName } from "../ids.ts";
import type { RunnerClient } from "../runner/client.ts";
import { settings } from "../settings.ts";
import type { SessionRecord } from "./meta.ts";

export const poolInfoSchema = z.object({
  session_id: z.string(),
  runner: z.enum(["host", "container"]).describe("A host runner (dev) or the session's own container"),
  runner_up: z.boolean().describe("The runner answered just now"),
  container_state: z.string().nullable().describe("starting, running, stopping, stopped (containers only)"),
  driver: z.string().nullable().describe("acp (warm kiro-cli) or headless (a process per message)"),
  boot_id: z.string().nullable(),
  uptime_ms: z.number().nullable(),
  warm_processes: z.number().nullable(),
  runs_served: z.number().nullable(),
  runs_active: z.number().nullable(),
  mean_spawn_ms: z.number().nullable(),
  mean_first_output_ms: z.number().nullable(),
  kiro_cli_found: z.boolean().nullable(),
  running_tasks: z.number().int(),
  error: z.string().optional().describe("Why the runner could not be asked"),
});
export type PoolInfo = z.infer<typeof poolInfoSchema>;

/**
 * What is behind one session right now. A stopped container is not started just to be asked:
 * its state is reported as is.
 */
export async function poolInfo(
  env: Env,
  meta: SessionRecord,
  runner: RunnerClient,
  runningTasks: number,
): Promise<PoolInfo> {
  const host = Boolean(settings(env).runnerUrl);
  const containerState = host ? null : await containerStatus(env, meta);
  const base = {
    session_id: meta.sessionId,
    runner: host ? ("host" as const) : ("container" as const),
    container_state: containerState,
    running_tasks: runningTasks,
  };
  const empty = {
    driver: null,
    boot_id: null,
    uptime_ms: null,
    warm_processes: null,
    runs_served: null,
    runs_active: null,
    mean_spawn_ms: null,
    mean_first_output_ms: null,
    kiro_cli_found: null,
  };
  if (!host && containerState !== "running") {
    return { ...base, ...empty, runner_up: false };
  }
  try {
    const health = await runner.health();
    return {
      ...base,
      runner_up: true,
      driver: health.driver,
      boot_id: health.boot_id,
      uptime_ms: health.uptime_ms,
      warm_processes: health.stats.warm_processes,
      runs_served: health.stats.runs_served,
      runs_active: health.runs_active,
      mean_spawn_ms: health.stats.mean_spawn_ms,
      mean_first_output_ms: health.stats.mean_first_output_ms,
      kiro_cli_found: health.kiro_cli.found,
    };
  } catch (error) {
    return {
      ...base,
      ...empty,
      runner_up: false,
      error: messageOf(error),
    };
  }
}

async function containerStatus(env: Env, meta: SessionRecord): Promise<string> {
  const container = env.KIRO_CONTAINER.getByName(sessionObjectName(meta.userId, meta.sessionId));
  return (await container.status()).status;
}
