/**
 * The OAuth endpoints MCP clients use to sign in (server.ts says what each does):
 *   GET  /.well-known/oauth-protected-resource[/mcp]   RFC 9728 metadata of <origin>/mcp
 *   GET  /.well-known/oauth-authorization-server        RFC 8414 metadata
 *   POST /register                                      dynamic client registration
 *   GET|POST /authorize                                 sign-in and consent (authorize.ts)
 *   POST /token                                         codes, refresh, revocation
 * All of them only on an origin that can be an issuer (https, or http on loopback).
 */
import { type Context, Hono, type Next } from "hono";
import { ErrorCode, errorJson } from "../errors.ts";
import { authorizeRoutes } from "./authorize.ts";
import {
  AUTHORIZE_PATH,
  authorizationServer,
  MCP_PATH,
  oauthOrigin,
  protectedResource,
  REGISTER_PATH,
  RESOURCE_METADATA_PATH,
  TOKEN_PATH,
} from "./server.ts";

type OAuthEnv = { Bindings: Env };

export function oauthRoutes() {
  const routes = new Hono<OAuthEnv>();

  routes.on(
    ["GET", "HEAD", "OPTIONS"],
    [RESOURCE_METADATA_PATH, `${RESOURCE_METADATA_PATH}${MCP_PATH}`],
    (c) => {
      const origin = oauthOrigin(c.req.url);
      if (!origin) return notAnIssuer(c);
      // One document, also at the origin-level path that older clients read.
      const request = new Request(`${origin}${RESOURCE_METADATA_PATH}${MCP_PATH}`, c.req.raw);
      return protectedResource(origin).fetch(request, c.env, workerContext(c));
    },
  );

  routes.all("/.well-known/oauth-authorization-server", serveByLibrary);
  routes.all(TOKEN_PATH, serveByLibrary);
  routes.all(REGISTER_PATH, limitRegistrations, serveByLibrary);
  routes.route(AUTHORIZE_PATH, authorizeRoutes());

  return routes;
}

function serveByLibrary(c: Context<OAuthEnv>) {
  const origin = oauthOrigin(c.req.url);
  if (!origin) return notAnIssuer(c);
  return authorizationServer(origin).fetch(c.req.raw, c.env, workerContext(c));
}

/**
 * At most REGISTER_LIMIT's count of client registrations per address a minute (wrangler.toml):
 * an MCP client registers once, so only a script filling the client store meets the limit.
 */
async function limitRegistrations(c: Context<OAuthEnv>, next: Next) {
  if (c.req.method !== "POST") return next();
  const address = c.req.header("cf-connecting-ip")?.trim() || "unknown";
  const { success } = await c.env.REGISTER_LIMIT.limit({ key: address });
  if (success) return next();
  c.header("Retry-After", "60");
  return c.json(
    {
      error: "temporarily_unavailable",
      error_description: "Too many client registrations from your address. Try again in a minute.",
    },
    429,
  );
}

/** The Worker's ExecutionContext, which Hono types as its own narrower interface. */
function workerContext(c: Context<OAuthEnv>): ExecutionContext {
  return c.executionCtx as ExecutionContext;
}

function notAnIssuer(c: Context<OAuthEnv>): Response {
  return errorJson(
    c,
    ErrorCode.NotFound,
    "OAuth sign-in is served over https only (or http on this machine).",
  );
}
