/**
 * Limits and defaults in one place. Units are in the names; each value says why it is what it is.
 * Values a deployment may change are read from `Env` in `settings()`; the rest are fixed.
 */
export const LIMITS = {
  /** Largest message a user can send to Kiro (bigger prompts belong in files in the workspace). */
  MAX_MESSAGE_BYTES: 256 * 1024,
  /** Longest a `kiro_task_status` long-poll may wait: well under the ~60 s clients allow. */
  MAX_WAIT_MS: 25_000,
  /** Largest `content` of one stored chunk: keeps rows far below the 2 MB Durable Object limit. */
  MAX_CHUNK_BYTES: 128 * 1024,
  /** Most bytes of chunk content one status response carries; the rest comes on the next poll. */
  MAX_STATUS_BYTES: 1024 * 1024,
  /** Most chunks one status response carries. */
  MAX_STATUS_CHUNKS: 1000,
  /** Most bytes of the final answer returned as `result` and kept in the conversation table. */
  MAX_RESULT_BYTES: 1024 * 1024,
  /** How often the session object checks on its running tasks without any client polling. */
  WATCHDOG_INTERVAL_MS: 15_000,
  /** First back-off after a broken runner stream; doubles up to the maximum. */
  RECONNECT_BACKOFF_MS: 250,
  RECONNECT_BACKOFF_MAX_MS: 5_000,
  /** A runner unreachable for this long fails its running tasks (a container restart takes ~3 s). */
  RUNNER_UNREACHABLE_FAIL_MS: 60_000,
  /** Most tasks listed by `kiro_task_list`. */
  MAX_TASKS_LISTED: 200,
  /** How long a swept task id still answers "expired" rather than "not found". */
  EXPIRED_TOMBSTONE_MS: 7 * 24 * 3600_000,
  /** Most conversation turns `kiro_history` returns. */
  MAX_HISTORY_TURNS: 500,
} as const;

export const DEFAULTS = {
  /** Sessions one user may hold at once; each may own a container. */
  MAX_SESSIONS: 10,
  /** Turns one user may have running at once, across sessions. */
  MAX_RUNNING_TASKS: 4,
  /** Output one task stores at most (KIRO_MAX_TASK_OUTPUT_BYTES); a notice chunk marks the cut. */
  MAX_TASK_OUTPUT_BYTES: 32 * 1024 * 1024,
  /** Finished tasks and their output are kept this long after they end (KIRO_TASK_TTL). */
  TASK_TTL_MS: 3600_000,
  /** A session with no activity for this long ends itself (KIRO_SESSION_IDLE_TTL). */
  SESSION_IDLE_TTL_MS: 7 * 24 * 3600_000,
  /** kiro_chat hands back the task id after this long; MCP clients cut tool calls off near 60 s. */
  CHAT_WAIT_MS: 50_000,
  /** Between progress notifications from kiro_chat when nothing new arrived (keeps proxies open). */
  CHAT_PROGRESS_INTERVAL_MS: 5_000,
} as const;

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
  };
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "7d", "250ms"; a bare number is seconds. Anything else: the default. */
export function duration(raw: string | undefined, fallback: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw ?? "");
  if (!match) return fallback;
  const value = Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 1000);
  return value > 0 ? Math.round(value) : fallback;
}
