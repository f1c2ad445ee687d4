import { createMcpHandler } from "agents/mcp/server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { adminRoutes } from "./admin/routes.ts";
import { LOOPBACK_HOSTNAMES, tokenRegistry } from "./auth/authenticate.ts";
import { type IdentifiedEnv, identify } from "./auth/identify.ts";
import { countedEnv, debugRoutes } from "./debug/request-counts.ts";
import { ErrorCode, errorJson } from "./errors.ts";
import { createMcpServer, SERVER_INFO } from "./mcp/server.ts";
import { oauthRoutes } from "./oauth/routes.ts";
import { runnerHealth } from "./runner/health.ts";
import { secretRoutes } from "./secrets/routes.ts";
import { settings } from "./settings.ts";
import { createLogger } from "./util/log.ts";
import { viewRoutes } from "./view/routes.ts";
import { dashboardRoutes } from "./web/dashboard/routes.ts";
import { loginRoutes, logoutRoute } from "./web/login-routes.ts";

/**
 * The standard security headers on every response: nosniff, no referrer, no framing (X-Frame-
 * Options and CSP frame-ancestors), HSTS, same-origin opener and resource policies, and a CSP
 * that lets nothing load or run. A page that needs more (the live view) sets its own CSP, which
 * is kept (`overwrite: false`).
 */
const SECURITY_HEADERS = secureHeaders({
  xFrameOptions: "DENY",
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  overwrite: false,
});

/** Largest MCP request body read; a 256 KiB message fits even with heavy JSON escaping. */
const MAX_MCP_BODY_BYTES = 2 * 1024 * 1024;

/** SSE keep-alive for long tool calls (kiro_chat), so proxies do not close a quiet stream. */
const MCP_KEEPALIVE_MS = 15_000;

type AppEnv = IdentifiedEnv;

const limitBody = bodyLimit({
  maxSize: MAX_MCP_BODY_BYTES,
  onError: (c) =>
    errorJson(c, ErrorCode.BodyTooLarge, `Request bodies are limited to ${MAX_MCP_BODY_BYTES} bytes.`),
});

/**
 * Refuses a body that is not valid UTF-8 instead of letting the JSON parser turn bad bytes into
 * U+FFFD inside a message: bad input gets a clear error, never a silent repair.
 */
const requireUtf8 = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method !== "POST") return next();
  const bytes = await c.req.arrayBuffer();
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const error = { code: -32700, message: "Parse error: the request body is not valid UTF-8." };
    return c.json({ jsonrpc: "2.0", error, id: null }, 400);
  }
  // The body was read here: hand the handler a request that still carries it.
  c.req.raw = new Request(c.req.raw, { body: bytes });
  return next();
});

export function createApp() {
  const app = new Hono<AppEnv>();
  // Durable Object requests are counted only with KIRO_DEBUG_COUNTERS=1 (bench and load).
  app.use("*", async (c, next) => {
    c.env = countedEnv(c.env);
    await next();
  });
  app.use("*", SECURITY_HEADERS);

  app.get("/health", async (c) => {
    const [runner, auth] = await Promise.all([runnerHealth(c.env), tokenRegistry(c.env).authMode()]);
    return c.json({ ok: true, name: SERVER_INFO.name, version: SERVER_INFO.version, auth, runner });
  });

  app.all("/mcp", identify({ oauth: true }), limitBody, requireUtf8, async (c) => {
    const identity = c.get("identity");
    const config = settings(c.env);
    const log = createLogger({ component: "mcp", user_id: identity?.userId });
    const origin = new URL(c.req.url).origin;
    const ctx = {
      userId: identity?.userId ?? "",
      credentialId: identity?.credentialId ?? "",
      env: c.env,
      settings: config,
      log,
      origin,
    };
    const handler = createMcpHandler(({ era }) => createMcpServer(ctx, era), {
      route: "/mcp",
      maxRequestBodySize: MAX_MCP_BODY_BYTES,
      keepAliveMs: MCP_KEEPALIVE_MS,
      ...(config.allowedHostnames.length > 0 && {
        allowedHostnames: [...config.allowedHostnames, ...LOOPBACK_HOSTNAMES],
      }),
      // Mostly malformed client requests (already answered with a JSON-RPC error): a warning.
      onerror: (error) => log.warn("mcp.request_error", { error: error.message.slice(0, 500) }),
    });
    return handler.fetch(c.req.raw, identity ? { authInfo: identity.authInfo } : {});
  });

  app.route("/admin", adminRoutes());
  app.route("/account/secrets", secretRoutes());
  app.route("/tasks", viewRoutes());
  app.route("/debug", debugRoutes());
  app.route("/", oauthRoutes());
  app.route("/login", loginRoutes());
  app.route("/logout", logoutRoute());
  app.route("/", dashboardRoutes());

  app.notFound((c) => errorJson(c, ErrorCode.NotFound, "Not found. The MCP endpoint is /mcp."));

  app.onError((error, c) => {
    const ref = crypto.randomUUID().slice(0, 8);
    createLogger({ component: "http" }).error("http.unhandled", { ref, error: error.stack ?? String(error) });
    return errorJson(c, ErrorCode.Internal, `Internal error (ref ${ref}).`);
  });

  return app;
}
