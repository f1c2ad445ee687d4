/**
 * The runner's one error type, RunnerFault: a protocol error code plus a message a user can act
 * on. The HTTP edge answers it with the status RUNNER_ERROR_STATUS gives the code; nothing else
 * maps codes to statuses. Also the two helpers that read Node's errno codes.
 */
import { CodedError, type RunnerErrorCode } from "./protocol/index.ts";

export class RunnerFault extends CodedError<RunnerErrorCode> {
  override readonly name = "RunnerFault";
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
