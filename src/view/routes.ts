import { Hono } from "hono";
import { authenticate, LOCAL_CREDENTIAL_ID, localIdentity, tokenRegistry } from "../auth/authenticate.ts";
import { verifiedTokens } from "../auth/token-cache.ts";
import { LIMITS } from "../config.ts";
import { ErrorCode, errorJson, errorResponse, taskNotFound, unwrap } from "../errors.ts";
import { sessionIdOfTask, sessionObjectName } from "../ids.ts";
import { masterKey } from "../secrets/keys.ts";
import { type LinkHolder, verifyViewLink } from "./links.ts";
import { taskPage } from "./page.ts";

type ViewEnv = { Bindings: Env };

/**
 * GET /tasks/:id          the live view of a task (HTML)
 * GET /tasks/:id/status   its status and new chunks (JSON), long-polled by the page
 * Either a signed link (kiro_chat_async's view_url) whose credential is still live, or the same
 * credentials /mcp takes.
 */
export function viewRoutes() {
  const view = new Hono<ViewEnv>();

  view.get("/:id", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await viewerOf(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
    const known = await viewer.session.findTask(taskId);
    if (!known.ok) return errorJson(c, known.error.code, known.error.message);
    const nonce = crypto.randomUUID().replaceAll("-", "");
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`,
    );
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
    return c.html(taskPage(taskId, nonce));
  });

  view.get("/:id/status", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await viewerOf(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
    const from = clampInt(c.req.query("from"), 0, Number.MAX_SAFE_INTEGER);
    const waitMs = clampInt(c.req.query("wait"), 0, LIMITS.MAX_WAIT_MS);
    const status = await viewer.session.taskStatus({ taskId, fromChunkIndex: from, waitMs });
    c.header("Cache-Control", "no-store");
    if (!status.ok) return errorJson(c, status.error.code, status.error.message);
    return c.json(unwrap(status));
  });

  return view;
}

/**
 * The session object `taskId` lives in, for the user a valid link or credential names. The
 * object's name starts with that user's id, so another user's task leads to an object that holds
 * no session and answers "not found", as an unknown id does: one hop, ownership still enforced.
 */
async function viewerOf(
  request: Request,
  env: Env,
  taskId: string,
): Promise<{ session: ReturnType<Env["KIRO_SESSION"]["getByName"]> } | Response> {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const master = masterKey(env);
  const holder = master === undefined ? undefined : await verifyViewLink(master, taskId, query);
  let userId: string;
  if (holder !== undefined) {
    const refusal = await refuseUnlessLive(holder, request, env);
    if (refusal) return refusal;
    userId = holder.userId;
  } else {
    const identity = await authenticate(request, env);
    if (identity instanceof Response) return identity;
    userId = identity.userId;
  }
  const sessionId = sessionIdOfTask(taskId);
  if (!sessionId) return errorResponse(ErrorCode.TaskNotFound, taskNotFound(taskId).message);
  return { session: env.KIRO_SESSION.getByName(sessionObjectName(userId, sessionId)) };
}

/**
 * A signed link is good only while the credential it was made under is: its token not revoked
 * (and still its user's), or, for the local user, local mode still on for this request.
 */
async function refuseUnlessLive(
  holder: LinkHolder,
  request: Request,
  env: Env,
): Promise<Response | undefined> {
  if (holder.credentialId === LOCAL_CREDENTIAL_ID) {
    const local = await localIdentity(request, env);
    return local instanceof Response ? local : undefined;
  }
  const registry = tokenRegistry(env);
  const liveUser = await verifiedTokens.liveUser(holder.credentialId, (id) => registry.liveUser(id));
  if (liveUser === holder.userId) return undefined;
  return errorResponse(
    ErrorCode.Unauthorized,
    "This link's token has been revoked: links stop working with the token they were made with.",
  );
}

function clampInt(raw: string | undefined, min: number, max: number): number {
  const value = Number(raw ?? 0);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
}
