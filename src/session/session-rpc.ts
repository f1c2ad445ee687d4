/**
 * How the session object's RPCs find their session, written once for all of them. A session
 * that does not exist (never created, ended, or another user's: the object's name holds the user
 * id) answers "not found" as a failed Outcome, also when it ended while the call ran, so no
 * caller can tell an ended session from one that never was.
 */
import { ErrorCode, KiroError, type Outcome, outcome } from "../errors.ts";
import type { SessionMeta, SessionRecord } from "./meta.ts";

function sessionMissing(): KiroError {
  return new KiroError(ErrorCode.SessionNotFound, "Session not found.");
}

/**
 * Runs an RPC that needs the session set up: `fn` gets its record. A missing session answers
 * `missing()`; task calls pass their task's "not found", so a foreign task id gets exactly the
 * answer an unknown one gets. The error is built only when it is the answer: building one
 * captures a stack, which a poll that finds its task should not pay for.
 */
export function withSession<T>(
  meta: SessionMeta,
  fn: (record: SessionRecord) => T | Promise<T>,
  missing: () => KiroError = sessionMissing,
): Promise<Outcome<T>> {
  return outcome(async () => {
    const record = meta.read();
    if (!record) throw missing();
    try {
      return await fn(record);
    } catch (error) {
      if (!meta.read()) throw missing();
      throw error;
    }
  });
}

/** The session's record; "not found" (thrown) when there is none. */
export function requireSession(meta: SessionMeta): SessionRecord {
  const record = meta.read();
  if (!record) throw sessionMissing();
  return record;
}
