import { createMiddleware } from "hono/factory";
import { authenticate, type Identity } from "./authenticate.ts";

/** Hono variables of a route behind `identify`: who is calling (undefined for a CORS preflight). */
export type IdentifiedEnv = { Bindings: Env; Variables: { identity: Identity | undefined } };

/** Who is calling (see authenticate). CORS preflights carry no credentials and pass through. */
export const identify = createMiddleware<IdentifiedEnv>(async (c, next) => {
  if (c.req.method === "OPTIONS") {
    c.set("identity", undefined);
    return next();
  }
  const identity = await authenticate(c.req.raw, c.env);
  if (identity instanceof Response) return identity;
  c.set("identity", identity);
  return next();
});
