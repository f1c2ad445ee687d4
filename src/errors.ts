import type { Context } from "hono";

import { CodedError } from "../container/src/protocol/index.ts";

export { messageOf } from "../container/src/protocol/index.ts";

/**
 * One error vocabulary for the Worker side: every code a client can receive. Durable Objects
 * return these as data (`Outcome`), tools turn them into `isError` results, the HTTP edges answer
 * `{ error: { code, message } }` with the code's status from HTTP_STATUS; nothing else reaches a
 * client. Runner failures arrive through RUNNER_TO_KIRO (src/runner/errors.ts).
 */
export const ErrorCode = {
  InvalidInput: "invalid_input",
  SessionNotFound: "session_not_found",
  TaskNotFound: "task_not_found",
  TaskExpired: "task_expired",
  WorkspaceInvalid: "workspace_invalid",
  CloneFailed: "clone_failed",
  /** A git command for a diff or a push failed; the message quotes git. */
  GitFailed: "git_failed",
  RunnerUnavailable: "runner_unavailable",
  KiroUnavailable: "kiro_unavailable",
  Busy: "busy",
  /** The user has not stored a credential this needs (their Kiro API key). */
  CredentialsMissing: "credentials_missing",
  /** Stored secrets cannot be written or read (KIRO_SECRETS_KEY unset or changed). */
  SecretsUnavailable: "secrets_unavailable",
  Unsupported: "unsupported",
  Internal: "internal",
  // Answered only by the HTTP edges, outside MCP.
  /** No route at this path. */
  NotFound: "not_found",
  /** A request body over the edge's limit. */
  BodyTooLarge: "body_too_large",
  /** No tokens exist and the request did not come to a loopback address. */
  NoCredentials: "no_credentials",
  /** Missing or wrong admin token. */
  Unauthorized: "unauthorized",
  /** A browser's form post without a valid CSRF token, or from another site. */
  Forbidden: "forbidden",
  /** A malformed admin request. */
  BadRequest: "bad_request",
  /** The admin API while KIRO_ADMIN_TOKEN is unset. */
  AdminDisabled: "admin_disabled",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The statuses an HTTP edge answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 422 | 429 | 500 | 501 | 503;

/**
 * The HTTP status of each code where an HTTP edge answers it: complete by construction. An
 * expired task is answered like an unknown one (its output is gone either way); the admin API
 * hides itself while it is off.
 */
export const HTTP_STATUS: Record<ErrorCode, ErrorStatus> = {
  invalid_input: 400,
  session_not_found: 404,
  task_not_found: 404,
  task_expired: 404,
  workspace_invalid: 422,
  clone_failed: 422,
  git_failed: 422,
  runner_unavailable: 503,
  kiro_unavailable: 503,
  busy: 429,
  credentials_missing: 403,
  secrets_unavailable: 503,
  unsupported: 501,
  internal: 500,
  not_found: 404,
  body_too_large: 413,
  no_credentials: 403,
  unauthorized: 401,
  forbidden: 403,
  bad_request: 400,
  admin_disabled: 404,
};

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

/** An HTTP edge's error body. */
export interface ErrorBody {
  error: ErrorData;
}

/** `{ error: { code, message } }` with the code's status, from a Hono handler. */
export function errorJson(c: Context, code: ErrorCode, message: string): Response {
  return c.json({ error: { code, message } } satisfies ErrorBody, HTTP_STATUS[code]);
}

/** `{ error: { code, message } }` with the code's status, where no Hono context is at hand. */
export function errorResponse(code: ErrorCode, message: string): Response {
  return Response.json({ error: { code, message } } satisfies ErrorBody, { status: HTTP_STATUS[code] });
}

/** An expected failure with a message written for the user; safe to show as is. */
export class KiroError extends CodedError<ErrorCode> {
  override readonly name = "KiroError";

  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

/** What a Durable Object RPC returns: errors travel as data, so their code survives the hop. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

/** Runs `fn`, turning a thrown KiroError into a failed Outcome. Anything else propagates. */
export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return ok(await fn());
  } catch (error) {
    if (error instanceof KiroError) return { ok: false, error: error.toData() };
    throw error;
  }
}

export function unwrap<T>(result: Outcome<T>): T {
  if (result.ok) return result.value;
  throw new KiroError(result.error.code, result.error.message);
}

export function sessionNotFound(sessionId: string): KiroError {
  return new KiroError(
    ErrorCode.SessionNotFound,
    `Session ${sessionId} not found. Use kiro_session_list to see your sessions, or kiro_session_create to start one.`,
  );
}

export function taskNotFound(taskId: string): KiroError {
  return new KiroError(
    ErrorCode.TaskNotFound,
    `Task ${taskId} not found. Use kiro_task_list to see your tasks.`,
  );
}
