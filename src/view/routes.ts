import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { LIMITS } from "../config.ts";
import { ErrorCode, errorJson, errorResponse, unwrap } from "../errors.ts";
import { loginPath } from "../web/browser-session.ts";
import { CSRF_FIELD, refuseCrossSite } from "../web/csrf.ts";
import { renderMarkdown } from "./markdown.ts";
import { taskPage } from "./page.ts";
import { NOT_SIGNED_IN, type Viewer, viewerOf } from "./viewer.ts";

type ViewEnv = { Bindings: Env };

/**
 * Most bytes of one stretch of the answer rendered as Markdown; a longer stretch stays plain
 * text in the page (it is shown whole either way).
 */
const MAX_MARKDOWN_BYTES = 256 * 1024;

/** A Cancel post holds its CSRF token and nothing else. */
const MAX_CANCEL_BODY_BYTES = 1024;

function tooLarge(): Response {
  return errorResponse(ErrorCode.BodyTooLarge, `A Cancel post is at most ${MAX_CANCEL_BODY_BYTES} bytes.`);
}

/**
 * GET  /tasks/:id            the live view of a task (HTML)
 * GET  /tasks/:id/status     its status and new chunks (JSON), long-polled by the page
 * GET  /tasks/:id/markdown   one stretch of its answer (chunks from..to) as a safe Markdown tree
 * POST /tasks/:id/cancel     cancels it as kiro_task_cancel does (CSRF token and Origin checked)
 * Each takes a signed link (kiro_chat_async's view_url) whose credential is still live, or the
 * credentials /mcp takes (viewer.ts). Every answer is no-store.
 */
export function viewRoutes() {
  const view = new Hono<ViewEnv>();
  view.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });

  view.get("/:id", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await viewerOf(c.req.raw, c.env, taskId);
    if (viewer === NOT_SIGNED_IN) return c.redirect(loginPath(`/tasks/${taskId}`));
    if (viewer instanceof Response) return viewer;
    const overview = await viewer.session.taskOverview(taskId);
    if (!overview.ok) return errorJson(c, overview.error.code, overview.error.message);
    const csrf = (await viewer.csrfToken()) ?? "";
    const nonce = crypto.randomUUID().replaceAll("-", "");
    c.header("Content-Security-Policy", pageCsp(nonce));
    c.header("Referrer-Policy", "no-referrer");
    return c.html(taskPage({ overview: unwrap(overview), nonce, csrf }));
  });

  view.get("/:id/status", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await apiViewer(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
    const from = clampInt(c.req.query("from"), 0, Number.MAX_SAFE_INTEGER);
    const waitMs = clampInt(c.req.query("wait"), 0, LIMITS.MAX_WAIT_MS);
    const status = await viewer.session.taskStatus({ taskId, fromChunkIndex: from, waitMs });
    if (!status.ok) return errorJson(c, status.error.code, status.error.message);
    return c.json(unwrap(status));
  });

  view.get("/:id/markdown", async (c) => {
    const taskId = c.req.param("id");
    const viewer = await apiViewer(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
    const from = clampInt(c.req.query("from"), 0, Number.MAX_SAFE_INTEGER);
    const to = clampInt(c.req.query("to"), from, Number.MAX_SAFE_INTEGER);
    const answer = await viewer.session.answerText(taskId, from, to, MAX_MARKDOWN_BYTES);
    if (!answer.ok) return errorJson(c, answer.error.code, answer.error.message);
    const { text, truncated } = unwrap(answer);
    return c.json(
      truncated ? { nodes: null, too_long: true } : { nodes: renderMarkdown(text), too_long: false },
    );
  });

  view.post("/:id/cancel", bodyLimit({ maxSize: MAX_CANCEL_BODY_BYTES, onError: tooLarge }), async (c) => {
    const taskId = c.req.param("id");
    const viewer = await apiViewer(c.req.raw, c.env, taskId);
    if (viewer instanceof Response) return viewer;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = form[CSRF_FIELD];
    const refusal = await refuseCrossSite(
      c.req.raw,
      await viewer.csrfToken(),
      typeof token === "string" ? token : undefined,
    );
    if (refusal) return refusal;
    const status = await viewer.session.cancelTask(taskId);
    if (!status.ok) return errorJson(c, status.error.code, status.error.message);
    return c.json(unwrap(status));
  });

  return view;
}

/** The viewer of a JSON route: without any credential, 401 (the page itself sends them to sign in). */
async function apiViewer(request: Request, env: Env, taskId: string): Promise<Viewer | Response> {
  const viewer = await viewerOf(request, env, taskId);
  if (viewer !== NOT_SIGNED_IN) return viewer;
  return errorResponse(
    ErrorCode.Unauthorized,
    "Sign in, or open the task's link again: this request has no credential.",
  );
}

/**
 * The live view's Content-Security-Policy: only this response's nonce runs or styles, fetches go
 * to this server only, nothing loads (images included), and Trusted Types forbid every HTML sink
 * (innerHTML and the like), so the page can insert text and elements only.
 */
function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join("; ");
}

function clampInt(raw: string | undefined, min: number, max: number): number {
  const value = Number(raw ?? 0);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
}
