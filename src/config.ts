/**
 * Limits and defaults in one place. Units are in the names; each value says why it is what it is.
 * Values a deployment may change are read from `Env` in `settings()` (src/settings.ts).
 */
export const LIMITS = {
  /** Largest message a user can send to Kiro (bigger prompts belong in files in the workspace). */
  MAX_MESSAGE_BYTES: 256 * 1024,
  /** Longest a `kiro_task_status` long-poll may wait: well under the ~60 s clients allow. */
  MAX_WAIT_MS: 25_000,
  /** Largest `content` of one stored chunk: keeps rows far below the 2 MB Durable Object limit. */
  MAX_CHUNK_BYTES: 128 * 1024,
  /** Bytes of chunks one status response carries by default; the rest comes on the next poll. */
  MAX_STATUS_BYTES: 1024 * 1024,
  /** Largest page a client may ask for (`max_bytes`): with `result` and JSON escaping, well under 32 MiB. */
  MAX_STATUS_PAGE_BYTES: 4 * 1024 * 1024,
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
} as const;
