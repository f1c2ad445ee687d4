import { createMiddleware } from "hono/factory";
import { authenticate, type Identity } from "./authenticate.ts";

/** Hono variables of a route behind `identify`: who is calling (undefined for a CORS preflight). */
export type IdentifiedEnv = { Bindings: Env; Variables: { identity: Identity | undefined } };

/**
 * Headers that let a web page read a refusal: a browser-based MCP client signs in by reading the
 * 401's `WWW-Authenticate` (where the resource metadata is). Bearer tokens, never cookies, so any
 * origin may read it.
 */
const REFUSAL_CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "WWW-Authenticate",
} as const;

/**
 * Who is calling (see authenticate), for /mcp and the secrets API. OAuth access tokens are
 * accepted where `oauth` is set: on /mcp, the resource they are issued for, whose refusals are
 * also readable cross-origin (REFUSAL_CORS). CORS preflights carry no credentials and pass through.
 */
export function identify(options: { oauth?: boolean } = {}) {
  return createMiddleware<IdentifiedEnv>(async (c, next) => {
    if (c.req.method === "OPTIONS") {
      c.set("identity", undefined);
      return next();
    }
    const identity = await authenticate(c.req.raw, c.env, options);
    if (identity instanceof Response) {
      if (options.oauth)
        for (const [name, value] of Object.entries(REFUSAL_CORS)) identity.headers.set(name, value);
      return identity;
    }
    c.set("identity", identity);
    return next();
  });
}
