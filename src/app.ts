import { createMcpHandler } from "agents/mcp/server";
import { Hono } from "hono";
import { settings } from "./config.ts";
import { createMcpServer, SERVER_INFO } from "./mcp/server.ts";
import { runnerHealth } from "./runner/health.ts";
import { createLogger } from "./util/log.ts";

/**
 * Until bearer authentication is configured every request acts as this one local user, and only
 * requests to a loopback address are served: a deployed Worker fails closed. Objects are keyed by
 * user id regardless, so adding users changes no storage layout.
 */
const LOCAL_USER_ID = "local";
const LOOPBACK_HOSTNAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Largest MCP request body read; a 256 KiB message fits even with heavy JSON escaping. */
const MAX_MCP_BODY_BYTES = 2 * 1024 * 1024;

/** SSE keep-alive for long tool calls (kiro_chat), so proxies do not close a quiet stream. */
const MCP_KEEPALIVE_MS = 15_000;

type AppEnv = { Bindings: Env };

export function createApp() {
  const app = new Hono<AppEnv>();

  app.get("/health", async (c) => {
    const runner = await runnerHealth(c.env);
    return c.json({ ok: true, name: SERVER_INFO.name, version: SERVER_INFO.version, runner });
  });

  app.all("/mcp", async (c) => {
    if (!LOOPBACK_HOSTNAMES.includes(new URL(c.req.url).hostname)) {
      const message =
        "This server has no credentials configured, so it serves only local (loopback) requests. Run it with `npm run dev`, or configure authentication before exposing it.";
      return c.json({ error: { code: "no_credentials", message } }, 403);
    }
    const config = settings(c.env);
    const log = createLogger({ component: "mcp", user_id: LOCAL_USER_ID });
    const ctx = { userId: LOCAL_USER_ID, env: c.env, settings: config, log };
    const handler = createMcpHandler(() => createMcpServer(ctx), {
      route: "/mcp",
      maxRequestBodySize: MAX_MCP_BODY_BYTES,
      keepAliveMs: MCP_KEEPALIVE_MS,
      ...(config.allowedHostnames.length > 0 && {
        allowedHostnames: [...config.allowedHostnames, ...LOOPBACK_HOSTNAMES],
      }),
      onerror: (error) => log.error("mcp.error", { error: error.message }),
    });
    return handler.fetch(c.req.raw);
  });

  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: "Not found. The MCP endpoint is /mcp." } }, 404),
  );

  app.onError((error, c) => {
    const ref = crypto.randomUUID().slice(0, 8);
    createLogger({ component: "http" }).error("http.unhandled", { ref, error: error.stack ?? String(error) });
    return c.json({ error: { code: "internal", message: `Internal error (ref ${ref}).` } }, 500);
  });

  return app;
}
