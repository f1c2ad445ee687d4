/**
 * The runner's error vocabulary on the wire: every code the runner can answer with, its HTTP
 * status, and the body that carries it. The runner maps a code to its status here and nowhere
 * else; the Worker reads the code back from the body.
 */

/** Every error the runner reports, one code each. */
export const RunnerErrorCode = {
  Unauthorized: "unauthorized",
  BadRequest: "bad_request",
  NotFound: "not_found",
  RunNotFound: "run_not_found",
  /** The run ended and its events were deleted after KIRO_RUN_RETENTION_MS; GET /runs/:id still says how it ended. */
  RunExpired: "run_expired",
  EventsEvicted: "events_evicted",
  RunExists: "run_exists",
  WorkspaceEscape: "workspace_escape",
  WorkspaceMissing: "workspace_missing",
  KiroCliMissing: "kiro_cli_missing",
  KiroAuthMissing: "kiro_auth_missing",
  TooManyRuns: "too_many_runs",
  /** The runner received SIGTERM: it lets its running turns finish but starts no new one. */
  ShuttingDown: "shutting_down",
  /** The active driver cannot do this (slash commands under headless). */
  Unsupported: "unsupported",
  /** `git clone` (or reading the clone's HEAD) failed or timed out; the message quotes git's stderr. */
  CloneFailed: "clone_failed",
  /** A git command for a diff or a push failed (or timed out); the message quotes git's stderr. */
  GitFailed: "git_failed",
  /** A push the runner will not make: nothing changed, the branch exists, or it is the default branch. */
  PushRefused: "push_refused",
  /** An answer to a permission request that is not waiting (answered, timed out, turn over, unknown). */
  PermissionNotPending: "permission_not_pending",
  Internal: "internal",
} as const;
export type RunnerErrorCode = (typeof RunnerErrorCode)[keyof typeof RunnerErrorCode];

/** HTTP status for each runner error code: complete by construction. */
export const RUNNER_ERROR_STATUS: Record<RunnerErrorCode, number> = {
  unauthorized: 401,
  bad_request: 400,
  not_found: 404,
  run_not_found: 404,
  run_expired: 410,
  events_evicted: 410,
  run_exists: 409,
  workspace_escape: 403,
  workspace_missing: 422,
  kiro_cli_missing: 503,
  kiro_auth_missing: 503,
  too_many_runs: 429,
  shutting_down: 503,
  unsupported: 501,
  clone_failed: 422,
  git_failed: 422,
  push_refused: 409,
  permission_not_pending: 409,
  internal: 500,
};

export interface RunnerErrorBody {
  error: { code: RunnerErrorCode; message: string };
}

/** What a thrown value says: an Error's message, anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An expected failure: a code from one of the vocabularies plus a message written for the user.
 * The runner's RunnerFault and the Worker's KiroError are this with their own codes (and names).
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
  }
}
