import { RunnerRequestError } from "../runner/client.ts";
import { toKiroError } from "../runner/errors.ts";
import type { Logger } from "../util/log.ts";

/**
 * Calls the runner for a session: a runner failure is logged in full and reaches the user in its
 * safe form (a KiroError); anything else propagates unchanged.
 */
export async function callRunner<T>(log: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof RunnerRequestError)) throw error;
    log.warn("runner.failed", { code: error.code, status: error.status, error: error.message });
    throw toKiroError(error);
  }
}
