/**
 * Server-minted ids. Each carries 128 random bits, so ids cannot be guessed; ownership is still
 * checked on every lookup (a session id is only honoured inside its owner's Account).
 *
 * A task id embeds its session id so a task can be routed to its session object without an
 * extra lookup: `task_<session random>_<task random>`.
 */
const SESSION_PREFIX = "sess_";
const TASK_PREFIX = "task_";
const RANDOM_CHARS = 26; // 130 bits of base32
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const RANDOM_PATTERN = `[a-z2-7]{${RANDOM_CHARS}}`;
const SESSION_ID = new RegExp(`^${SESSION_PREFIX}(${RANDOM_PATTERN})$`);
const TASK_ID = new RegExp(`^${TASK_PREFIX}(${RANDOM_PATTERN})_(${RANDOM_PATTERN})$`);

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_CHARS));
  let out = "";
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

export function newSessionId(): string {
  return `${SESSION_PREFIX}${randomToken()}`;
}

export function newTaskId(sessionId: string): string {
  const match = SESSION_ID.exec(sessionId);
  if (!match) throw new TypeError("not a session id");
  return `${TASK_PREFIX}${match[1]}_${randomToken()}`;
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/** The session a task id belongs to, or undefined when the id is malformed. */
export function sessionIdOfTask(taskId: string): string | undefined {
  const match = TASK_ID.exec(taskId);
  return match ? `${SESSION_PREFIX}${match[1]}` : undefined;
}

/** Durable Object names: the user id prefixes every object a user owns. */
export function accountObjectName(userId: string): string {
  return `user:${userId}`;
}

export function sessionObjectName(userId: string, sessionId: string): string {
  return `user:${userId}/${sessionId}`;
}
