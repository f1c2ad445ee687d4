/**
 * One error vocabulary for the Worker side. Durable Objects return these as data
 * (`Outcome`), tools turn them into `isError` results, and nothing else reaches a client.
 */
export const ErrorCode = {
  InvalidInput: "invalid_input",
  SessionNotFound: "session_not_found",
  TaskNotFound: "task_not_found",
  TaskExpired: "task_expired",
  WorkspaceInvalid: "workspace_invalid",
  CloneFailed: "clone_failed",
  RunnerUnavailable: "runner_unavailable",
  KiroUnavailable: "kiro_unavailable",
  Busy: "busy",
  Unsupported: "unsupported",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

/** An expected failure with a message written for the user; safe to show as is. */
export class KiroError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "KiroError";
    this.code = code;
  }
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
