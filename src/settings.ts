import { DEFAULTS } from "./config.ts";
import { duration } from "./util/duration.ts";

/** Deployment settings read from the environment, with their defaults. */
export interface Settings {
  runnerUrl: string | undefined;
  chatWaitMs: number;
  maxSessions: number;
  maxRunningTasks: number;
  taskTtlMs: number;
  maxTaskOutputBytes: number;
  sessionIdleTtlMs: number;
  allowedHostnames: string[];
  /** KIRO_SHARED_API_KEY=allow: users without a Kiro API key of their own run with KIRO_API_KEY. */
  sharedApiKey: boolean;
}

export function settings(env: Env): Settings {
  return {
    runnerUrl: env.KIRO_RUNNER_URL?.trim() || undefined,
    chatWaitMs: positiveInt(env.KIRO_CHAT_WAIT_MS, DEFAULTS.CHAT_WAIT_MS),
    maxSessions: positiveInt(env.KIRO_MAX_SESSIONS, DEFAULTS.MAX_SESSIONS),
    maxRunningTasks: positiveInt(env.KIRO_MAX_RUNNING_TASKS, DEFAULTS.MAX_RUNNING_TASKS),
    taskTtlMs: duration(env.KIRO_TASK_TTL, DEFAULTS.TASK_TTL_MS),
    maxTaskOutputBytes: positiveInt(env.KIRO_MAX_TASK_OUTPUT_BYTES, DEFAULTS.MAX_TASK_OUTPUT_BYTES),
    sessionIdleTtlMs: duration(env.KIRO_SESSION_IDLE_TTL, DEFAULTS.SESSION_IDLE_TTL_MS),
    allowedHostnames: (env.KIRO_ALLOWED_HOSTNAMES ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
    sharedApiKey: env.KIRO_SHARED_API_KEY?.trim() === "allow",
  };
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
