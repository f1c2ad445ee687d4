import { Hono } from "hono";
import { authenticate } from "../auth/authenticate.ts";
import { LIMITS } from "../config.ts";
import { ErrorCode, errorJson, errorResponse, unwrap } from "../errors.ts";
import { accountObjectName, sessionIdOfTask, sessionObjectName } from "../ids.ts";
import { verifyViewLink } from "./links.ts";
import { taskPage } from "./page.ts";

type ViewEnv = { Bindings: Env };

/**
 * GET /tasks/:id          the live view of a task (HTML)
 * GET /tasks/:id/status   its status and new chunks (JSON), long-polled by the page
 * Either a signed link (kiro_chat_async's view_url) or the same credentials /mcp takes.
 */
export function viewRoutes() {
  const view = new Hono<ViewEnv>();

  view.get("/:id", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await viewerOf(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
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
    const stub = c.env.KIRO_SESSION.getByName(sessionObjectName(viewer.userId, viewer.sessionId));
    const status = await stub.taskStatus({ taskId, fromChunkIndex: from, waitMs });
    c.header("Cache-Control", "no-store");
    if (!status.ok) return errorJson(c, status.error.code, status.error.message);
    return c.json(unwrap(status));
  });

  return view;
}

/** Who may view `taskId`: the user a valid link or credential names, if that user owns the task. */
async function viewerOf(
  request: Request,
  env: Env,
  taskId: string,
): Promise<{ userId: string; sessionId: string } | Response> {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  let userId = await verifyViewLink(env.KIRO_RUNNER_SECRET ?? "", taskId, query);
  if (!userId) {
    const identity = await authenticate(request, env);
    if (identity instanceof Response) return identity;
    userId = identity.userId;
  }
  const sessionId = sessionIdOfTask(taskId);
  const owned = sessionId && (await env.ACCOUNT.getByName(accountObjectName(userId)).owns(sessionId));
  if (!sessionId || !owned) {
    return errorResponse(ErrorCode.TaskNotFound, `Task ${taskId} not found.`);
  }
  return { userId, sessionId };
}

function clampInt(raw: string | undefined, min: number, max: number): number {
  const value = Number(raw ?? 0);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
}
