import { ErrorCode, KiroError } from "../errors.ts";
import type { RunnerFailure, RunnerRequestError } from "./client.ts";

/** Every runner failure mapped once to the Worker's vocabulary. Complete by construction. */
const RUNNER_TO_KIRO: Record<RunnerFailure, ErrorCode> = {
  unreachable: ErrorCode.RunnerUnavailable,
  no_container: ErrorCode.RunnerUnavailable,
  unauthorized: ErrorCode.RunnerUnavailable,
  bad_request: ErrorCode.InvalidInput,
  not_found: ErrorCode.Internal,
  run_not_found: ErrorCode.TaskNotFound,
  run_expired: ErrorCode.TaskNotFound,
  events_evicted: ErrorCode.Internal,
  run_exists: ErrorCode.Internal,
  workspace_escape: ErrorCode.WorkspaceInvalid,
  workspace_missing: ErrorCode.WorkspaceInvalid,
  kiro_cli_missing: ErrorCode.KiroUnavailable,
  kiro_auth_missing: ErrorCode.KiroUnavailable,
  too_many_runs: ErrorCode.Busy,
  shutting_down: ErrorCode.RunnerUnavailable,
  unsupported: ErrorCode.Unsupported,
  clone_failed: ErrorCode.CloneFailed,
  git_failed: ErrorCode.GitFailed,
  push_refused: ErrorCode.InvalidInput,
  permission_not_pending: ErrorCode.InvalidInput,
  internal: ErrorCode.Internal,
};

/**
 * Runner messages for these codes are written for users (they name the setting to fix); the
 * rest are replaced so that runner internals never reach a client.
 */
const USER_FACING: ReadonlySet<RunnerFailure> = new Set<RunnerFailure>([
  "no_container",
  "bad_request",
  "workspace_escape",
  "workspace_missing",
  "kiro_cli_missing",
  "kiro_auth_missing",
  "too_many_runs",
  "shutting_down",
  "unsupported",
  "clone_failed",
  "git_failed",
  "push_refused",
  "permission_not_pending",
]);

export function toKiroError(error: RunnerRequestError): KiroError {
  const code = RUNNER_TO_KIRO[error.code];
  if (USER_FACING.has(error.code)) return new KiroError(code, error.message);
  if (code === ErrorCode.RunnerUnavailable) {
    return new KiroError(
      code,
      "The Kiro runner is not reachable right now. If you run locally, start it with `npm run dev`; in the cloud the session's container may still be starting — try again in a few seconds.",
    );
  }
  return new KiroError(
    code,
    `The Kiro runner failed (${error.code}). Try again; if it persists, end the session.`,
  );
}
