import { taskNotFound, unwrap } from "../errors.ts";
import { accountObjectName, sessionIdOfTask, sessionObjectName } from "../ids.ts";
import type { Settings } from "../settings.ts";
import type { Logger } from "../util/log.ts";

/** Everything a tool needs for one request, scoped to one user. */
export interface ToolContext {
  userId: string;
  /** The credential of the request: a token id, or "local" (signed view links name it). */
  credentialId: string;
  env: Env;
  settings: Settings;
  log: Logger;
  /** Scheme and host the client reached us at, for links back to this server. */
  origin: string;
}

export function accountOf(ctx: ToolContext) {
  return ctx.env.ACCOUNT.getByName(accountObjectName(ctx.userId));
}

export function sessionStub(ctx: ToolContext, sessionId: string) {
  return ctx.env.KIRO_SESSION.getByName(sessionObjectName(ctx.userId, sessionId));
}

/** The session a tool acts on: the one named (if the user owns it) or the active one. */
export async function resolveSession(ctx: ToolContext, sessionId: string | undefined) {
  const id = unwrap(await accountOf(ctx).resolveSession(ctx.userId, sessionId));
  return { sessionId: id, stub: sessionStub(ctx, id) };
}

/**
 * The session object holding `taskId`, reached in one hop: the task id names its session, and the
 * object's name starts with this user's id, so another user's task id leads to an object of this
 * user's that holds no session and answers the same "not found" an unknown id gets. A malformed
 * id gets that answer here.
 */
export function sessionOfTask(ctx: ToolContext, taskId: string) {
  const sessionId = sessionIdOfTask(taskId);
  if (!sessionId) throw taskNotFound(taskId);
  return sessionStub(ctx, sessionId);
}
