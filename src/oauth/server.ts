/**
 * The OAuth 2.1 authorization server MCP clients sign in with (@cloudflare/workers-oauth-provider):
 * RFC 8414 metadata, dynamic client registration at /register, the token endpoint (code and
 * refresh grants, revocation) at /token, PKCE S256 only, and access tokens bound to one
 * resource, this deployment's <origin>/mcp. /authorize is ours (authorize.ts): sign-in and
 * consent. Tokens, grants and clients live in the OAUTH_KV namespace, as hashes with encrypted
 * props; a grant's props are `{ userId }`, so /mcp serves an OAuth client as the same user a
 * `kiro_` token of theirs would.
 *
 * The issuer and the resource are this Worker's own origin, which a deployment does not have to
 * configure: the server is built per request for the origin the request came to. A token is
 * valid only at the origin it was issued for.
 */
import { OAuthAuthorizationServer, OAuthResourceServer } from "@cloudflare/workers-oauth-provider";
import { LOOPBACK_HOSTNAMES } from "../auth/local-peer.ts";
import { createLogger } from "../util/log.ts";

/** An access token lives an hour; the client refreshes it (refresh tokens rotate on use). */
export const ACCESS_TOKEN_TTL_S = 3600;
/** A grant lasts 30 days from its last refresh; an unused one then has to sign in again. */
export const REFRESH_TOKEN_IDLE_TTL_S = 30 * 24 * 3600;
/** The one scope: everything the MCP endpoint offers, as the signed-in user. */
export const MCP_SCOPE = "kiro";
/** The protected resource's path. */
export const MCP_PATH = "/mcp";
export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/token";
export const REGISTER_PATH = "/register";
/** Where the protected resource's RFC 9728 metadata is served (and the 401 challenge points). */
export const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

/** What a grant carries to /mcp. */
export interface GrantProps {
  userId: string;
}

/** The canonical resource: <origin>/mcp. */
export function mcpResource(origin: string): string {
  return `${origin}${MCP_PATH}`;
}

export function resourceMetadataUrl(origin: string): string {
  return `${origin}${RESOURCE_METADATA_PATH}`;
}

/**
 * Whether `origin` can be an OAuth issuer: https, or http on a loopback host (`wrangler dev`).
 * The library refuses anything else, and so do the OAuth routes.
 */
export function oauthOrigin(url: string | URL): string | undefined {
  const parsed = new URL(url);
  const ok = parsed.protocol === "https:" || LOOPBACK_HOSTNAMES.includes(parsed.hostname);
  return ok ? parsed.origin.toLowerCase() : undefined;
}

/** The authorization server for `origin` (see oauthOrigin). */
export function authorizationServer(origin: string): OAuthAuthorizationServer<Env> {
  const log = createLogger({ component: "oauth" });
  return new OAuthAuthorizationServer<Env>({
    issuer: origin,
    resources: [mcpResource(origin)],
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    scopesSupported: [MCP_SCOPE],
    accessTokenTTL: ACCESS_TOKEN_TTL_S,
    refreshTokenIdleTTL: REFRESH_TOKEN_IDLE_TTL_S,
    // Never the description or the request: only the stable reason, which carries no secret.
    onError: ({ code, status, internal }) => {
      log.warn("oauth.error", { code, status, category: internal.category, reason: internal.reason });
    },
  });
}

/** The protected resource's metadata document, served for `origin` (the token check is /mcp's own). */
export function protectedResource(origin: string): OAuthResourceServer<Env, GrantProps> {
  return new OAuthResourceServer<Env, GrantProps>({
    resourceMetadata: {
      resource: mcpResource(origin),
      authorization_servers: [origin],
      bearer_methods_supported: ["header"],
      resource_name: "Kiro (kiro-mcp-edge)",
    },
    requiredScopes: [MCP_SCOPE],
    validateToken: () => async () => null,
    handler: { fetch: () => new Response(null, { status: 404 }) },
  });
}
