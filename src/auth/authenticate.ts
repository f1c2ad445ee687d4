import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  OAuthError,
  OAuthErrorCode,
  requireBearerAuth,
} from "@modelcontextprotocol/server";
import { ErrorCode, errorResponse } from "../errors.ts";
import { oauthIdentity, type VerifiedCredential } from "../oauth/access-tokens.ts";
import { resourceMetadataUrl } from "../oauth/server.ts";
import { notLocal } from "./local-peer.ts";

export { LOOPBACK_HOSTNAMES } from "./local-peer.ts";

import { verifiedTokens } from "./token-cache.ts";
import { hashToken, looksLikeToken } from "./tokens.ts";

/** The single user every request acts as while no tokens exist (local mode). */
export const LOCAL_USER_ID = "local";
/** The name of the one TokenRegistry object. */
export const REGISTRY_NAME = "registry";
/** Verified tokens do not expire; the SDK wants an expiry, so each verification vouches for this long. */
const VERIFIED_FOR_S = 3600;

export interface Identity {
  userId: string;
  /** The credential the request came with: a token id, or LOCAL_CREDENTIAL_ID in local mode. */
  credentialId: string;
  authInfo: AuthInfo;
}

/** The credential id of the local user's requests (no token). */
export const LOCAL_CREDENTIAL_ID = "local";

export function tokenRegistry(env: Env) {
  return env.TOKEN_REGISTRY.getByName(REGISTRY_NAME);
}

/**
 * Who is calling. With a bearer token: its user, or 401 with a `WWW-Authenticate` challenge
 * (`error="invalid_token"` and the protected resource's metadata URL). A `kiro_` token is checked
 * against the TokenRegistry; with `oauth`, any other bearer token is checked as an OAuth access
 * token for this origin's /mcp (only /mcp passes it: that is the resource such tokens are for).
 * Without a token: the local user in local mode, for a request from this machine (local-peer.ts);
 * 401 once tokens are required; 403 `no_credentials` for any other request (a deployed Worker
 * with no tokens fails closed). Unknown, revoked, expired and malformed tokens are refused
 * identically.
 */
export async function authenticate(
  request: Request,
  env: Env,
  options: { oauth?: boolean } = {},
): Promise<Identity | Response> {
  if (request.headers.has("authorization")) {
    const gate = requireBearerAuth({
      verifier: {
        verifyAccessToken: async (token) => {
          const found = looksLikeToken(token)
            ? await kiroToken(token, env)
            : options.oauth
              ? await localOnlyWhileLocal(await oauthIdentity(request, token, env), request, env)
              : null;
          if (!found) throw new OAuthError(OAuthErrorCode.InvalidToken, "Invalid or revoked token");
          return {
            token,
            clientId: found.credentialId,
            scopes: [],
            expiresAt: found.expiresAt,
            extra: { userId: found.userId },
          };
        },
      },
      resourceMetadataUrl: resourceMetadataUrl(new URL(request.url).origin),
    });
    const auth = await gate(request);
    if (auth instanceof Response) return auth;
    return { userId: String(auth.extra?.userId), credentialId: auth.clientId, authInfo: auth };
  }
  return localIdentity(request, env);
}

/**
 * An OAuth grant of the local user (made at /authorize in local mode, on this machine) speaks for
 * them only as local mode does: while it is on, for a request from this machine. It never
 * outlives local mode, nor reaches the operator's account from elsewhere.
 */
async function localOnlyWhileLocal(
  found: VerifiedCredential | null,
  request: Request,
  env: Env,
): Promise<VerifiedCredential | null> {
  if (found?.userId !== LOCAL_USER_ID) return found;
  return (await localIdentity(request, env)) instanceof Response ? null : found;
}

async function kiroToken(token: string, env: Env): Promise<VerifiedCredential | null> {
  const registry = tokenRegistry(env);
  const found = await verifiedTokens.verify(await hashToken(token), (hash) => registry.verify(hash));
  if (!found) return null;
  return {
    userId: found.userId,
    credentialId: found.tokenId,
    expiresAt: Math.floor(Date.now() / 1000) + VERIFIED_FOR_S,
  };
}

/**
 * The local user, when `request` may act as them: the server is in local mode (no token was
 * ever created, or the operator set it again) and the request came from this machine; otherwise
 * the refusal (401 once tokens are required, 403 `no_credentials` for any other request).
 */
export async function localIdentity(request: Request, env: Env): Promise<Identity | Response> {
  const registry = tokenRegistry(env);
  if (await verifiedTokens.tokensRequired(async () => (await registry.authMode()) === "tokens")) {
    return missingTokenChallenge(request);
  }
  const why = notLocal(request);
  if (why !== undefined) {
    const message = `This server is in local mode: without a token it serves only requests made on this machine, straight to it, and ${why}. Create a token with \`npm run token -- create <user>\` to serve other clients.`;
    return errorResponse(ErrorCode.NoCredentials, message);
  }
  const authInfo: AuthInfo = {
    token: "",
    clientId: LOCAL_CREDENTIAL_ID,
    scopes: [],
    extra: { userId: LOCAL_USER_ID },
  };
  return { userId: LOCAL_USER_ID, credentialId: LOCAL_CREDENTIAL_ID, authInfo };
}

/**
 * The 401 for a request that sent no token: the usual `invalid_token` body, and a challenge that
 * names no error (RFC 6750 §3.1: none was sent) but points at the protected resource's metadata,
 * where an MCP client starts signing in.
 */
function missingTokenChallenge(request: Request): Response {
  const response = bearerAuthChallengeResponse(
    new OAuthError(OAuthErrorCode.InvalidToken, "Missing bearer token"),
  );
  const metadata = resourceMetadataUrl(new URL(request.url).origin);
  response.headers.set("WWW-Authenticate", `Bearer resource_metadata="${metadata}"`);
  return response;
}
