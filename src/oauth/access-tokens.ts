/**
 * OAuth access tokens at /mcp: a token is good when this origin's authorization server issued it
 * for this origin's /mcp, it has not expired, and its grant is not revoked. Its credential id is
 * `oauth:<client id>` (one grant per user and client: a new authorization replaces the last), so
 * live-view links made under it stop working when the user disconnects that client.
 */
import { authorizationServer, type GrantProps, mcpResource, oauthOrigin } from "./server.ts";

export const OAUTH_CREDENTIAL_PREFIX = "oauth:";

/** A verified bearer credential: whose it is, its credential id, until when it vouches (Unix s). */
export interface VerifiedCredential {
  userId: string;
  credentialId: string;
  expiresAt: number;
}

/** Who an OAuth access token speaks for, or null when it is not good here. */
export async function oauthIdentity(
  request: Request,
  token: string,
  env: Env,
): Promise<VerifiedCredential | null> {
  const origin = oauthOrigin(request.url);
  if (origin === undefined) return null;
  const validated = await authorizationServer(origin).validateToken<GrantProps>(
    mcpResource(origin),
    token,
    env,
  );
  const userId = validated?.props?.userId;
  if (!validated || typeof userId !== "string" || userId !== validated.userId) return null;
  return {
    userId,
    credentialId: `${OAUTH_CREDENTIAL_PREFIX}${validated.clientId}`,
    expiresAt: validated.expiresAt,
  };
}

/** Whether `userId` still has a grant for the client `credentialId` names (`oauth:<client id>`). */
export async function oauthGrantLive(
  request: Request,
  env: Env,
  userId: string,
  credentialId: string,
): Promise<boolean> {
  const origin = oauthOrigin(request.url);
  if (origin === undefined || !credentialId.startsWith(OAUTH_CREDENTIAL_PREFIX)) return false;
  const clientId = credentialId.slice(OAUTH_CREDENTIAL_PREFIX.length);
  const oauth = authorizationServer(origin).getOAuthApi(env);
  const nowS = Date.now() / 1000;
  let cursor: string | undefined;
  do {
    const page = await oauth.listUserGrants(userId, cursor === undefined ? {} : { cursor });
    const live = page.items.some(
      (grant) => grant.clientId === clientId && (grant.expiresAt === undefined || grant.expiresAt > nowS),
    );
    if (live) return true;
    cursor = page.cursor;
  } while (cursor);
  return false;
}
