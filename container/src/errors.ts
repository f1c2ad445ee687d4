/**
 * The runner's one error type: a protocol error code plus a message a user can act on.
 * The HTTP edge maps `code` to a status through RUNNER_ERROR_STATUS; nothing else does.
 */
import type { RunnerErrorCode } from "./protocol/index.ts";

export class RunnerError extends Error {
  readonly code: RunnerErrorCode;

  constructor(code: RunnerErrorCode, message: string) {
    super(message);
    this.name = "RunnerError";
    this.code = code;
  }
}

/** True when `error` is a Node system error carrying `code` (ENOENT, ESRCH, …). */
export function hasErrnoCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

/** The errno code of a Node system error, or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}
