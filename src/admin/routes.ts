import { Hono } from "hono";
import { tokenRegistry } from "../auth/authenticate.ts";
import { verifiedTokens } from "../auth/token-cache.ts";
import { isTokenHash, newTokenId, secretsEqual, TOKEN_ID_PATTERN, USER_ID_PATTERN } from "../auth/tokens.ts";
import { ErrorCode, errorJson } from "../errors.ts";
import { createLogger } from "../util/log.ts";

type AdminEnv = { Bindings: Env };

const MAX_LABEL_CHARS = 100;

/**
 * Token administration for `npm run token`, behind `Authorization: Bearer $KIRO_ADMIN_TOKEN`.
 * The client mints the token and sends only its SHA-256, so the server never sees a token.
 * Disabled (404) while KIRO_ADMIN_TOKEN is unset.
 */
export function adminRoutes() {
  const admin = new Hono<AdminEnv>();
  const log = createLogger({ component: "admin" });

  admin.use("*", async (c, next) => {
    const expected = c.env.KIRO_ADMIN_TOKEN ?? "";
    if (expected === "")
      return errorJson(c, ErrorCode.AdminDisabled, "The admin API is off: set the KIRO_ADMIN_TOKEN secret.");
    const given = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
    if (!(await secretsEqual(given, expected))) {
      c.header("WWW-Authenticate", 'Bearer realm="kiro-mcp-edge-admin", error="invalid_token"');
      return errorJson(c, ErrorCode.Unauthorized, "Missing or wrong admin token.");
    }
    await next();
  });

  admin.post("/tokens", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      user_id?: unknown;
      hash?: unknown;
      label?: unknown;
    } | null;
    const userId = typeof body?.user_id === "string" ? body.user_id : "";
    const hash = typeof body?.hash === "string" ? body.hash : "";
    const label = typeof body?.label === "string" ? body.label.slice(0, MAX_LABEL_CHARS) : "";
    if (!USER_ID_PATTERN.test(userId)) {
      return errorJson(
        c,
        ErrorCode.BadRequest,
        "user_id must be 1-63 of a-z 0-9 . _ - starting with a letter or digit.",
      );
    }
    if (!isTokenHash(hash))
      return errorJson(c, ErrorCode.BadRequest, "hash must be the token's SHA-256 in hex.");
    const id = newTokenId();
    await tokenRegistry(c.env).add({ id, userId, hash, label });
    verifiedTokens.tokenAdded(); // local mode ends here at once, elsewhere within TOKEN_CACHE_MS
    log.info("token.created", { token_id: id, user_id: userId });
    return c.json({ token_id: id, user_id: userId, label }, 201);
  });

  admin.get("/tokens", async (c) => c.json({ tokens: await tokenRegistry(c.env).list() }));

  admin.delete("/tokens/:id", async (c) => {
    const id = c.req.param("id");
    if (!TOKEN_ID_PATTERN.test(id) || !(await tokenRegistry(c.env).revoke(id))) {
      return errorJson(c, ErrorCode.NotFound, `No live token ${id}.`);
    }
    verifiedTokens.forget(id); // other isolates stop trusting it within TOKEN_CACHE_MS
    log.info("token.revoked", { token_id: id });
    return c.json({ token_id: id, revoked: true });
  });

  /**
   * Local mode (no token: the local user, on this machine only) is on until the first token is
   * created, and stays off when every token is revoked; only this turns it back on, and only while
   * no token is live. `{"enabled": false}` requires tokens even before the first one exists.
   */
  admin.put("/local-mode", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { enabled?: unknown } | null;
    if (typeof body?.enabled !== "boolean") {
      return errorJson(
        c,
        ErrorCode.BadRequest,
        'The body must be JSON: {"enabled": true} or {"enabled": false}.',
      );
    }
    if (!(await tokenRegistry(c.env).setLocalMode(body.enabled))) {
      return errorJson(
        c,
        ErrorCode.BadRequest,
        "Local mode can only be turned on while no token is live: revoke every token first (npm run token -- list).",
      );
    }
    verifiedTokens.tokenAdded(); // the new mode holds here at once, elsewhere within TOKEN_CACHE_MS
    log.info("auth.local_mode", { enabled: body.enabled });
    return c.json({ local_mode: body.enabled });
  });

  return admin;
}
