import { createMiddleware } from "hono/factory";
import { authenticate, type Identity } from "./authenticate.ts";

/** Hono variables of a route behind `identify`: who is calling (undefined for a CORS preflight). */
export type IdentifiedEnv = { Bindings: Env; Variables: { identity: Identity | undefined } };

/**
 * Who is calling (see authenticate), for /mcp and the secrets API. OAuth access tokens are
 * accepted where `oauth` is set: on /mcp, the resource they are issued for. CORS preflights carry
 * no credentials and pass through.
 */
export function identify(options: { oauth?: boolean } = {}) {
  return createMiddleware<IdentifiedEnv>(async (c, next) => {
    if (c.req.method === "OPTIONS") {
      c.set("identity", undefined);
      return next();
    }
    const identity = await authenticate(c.req.raw, c.env, options);
    if (identity instanceof Response) return identity;
    c.set("identity", identity);
    return next();
  });
}
