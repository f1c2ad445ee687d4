/**
 * The MCP clients a person connected with OAuth (their grants in the authorization server,
 * src/oauth/), named as each client registered itself, and disconnecting one: its grant is
 * revoked with its tokens, so the client must sign in again. Only the person's own grants are
 * listed or revoked (the library keys grants by user id, and the id is checked against the list).
 */
import { authorizationServer, oauthOrigin } from "../../oauth/server.ts";

/** Most grants listed: far more clients than a person connects. */
const MAX_CLIENTS = 100;

export interface ConnectedClient {
  grantId: string;
  clientId: string;
  /** The name the client registered with, else its id. */
  name: string;
  /** Where the client receives its sign-ins (the host of its redirect URI), when known. */
  redirectHost: string | null;
  /** Unix seconds. */
  createdAt: number;
}

/** null: this origin cannot be an OAuth issuer (plain http off loopback), so no client can connect. */
export async function connectedClients(
  request: Request,
  env: Env,
  userId: string,
): Promise<ConnectedClient[] | null> {
  const oauth = oauthApi(request, env);
  if (oauth === undefined) return null;
  return Promise.all(
    (await userGrants(oauth, userId)).map(async (grant) => {
      // A client metadata document that cannot be fetched now still names the client by its id.
      const client = await oauth.lookupClient(grant.clientId).catch(() => null);
      return {
        grantId: grant.id,
        clientId: grant.clientId,
        name: client?.clientName || grant.clientId,
        redirectHost: hostOf(grant.redirectUri ?? client?.redirectUris[0]),
        createdAt: grant.createdAt,
      };
    }),
  );
}

/** Revokes the person's grant `grantId`; false when they have none by that id. */
export async function disconnectClient(
  request: Request,
  env: Env,
  userId: string,
  grantId: string,
): Promise<boolean> {
  const oauth = oauthApi(request, env);
  if (oauth === undefined) return false;
  if (!(await userGrants(oauth, userId)).some((grant) => grant.id === grantId)) return false;
  await oauth.revokeGrant(grantId, userId);
  return true;
}

type OAuthApi = NonNullable<ReturnType<typeof oauthApi>>;

/** The person's grants, at most MAX_CLIENTS. */
async function userGrants(oauth: OAuthApi, userId: string) {
  const grants = [];
  let cursor: string | undefined;
  do {
    const page = await oauth.listUserGrants(userId, cursor === undefined ? {} : { cursor });
    grants.push(...page.items);
    cursor = page.cursor;
  } while (cursor && grants.length < MAX_CLIENTS);
  return grants.slice(0, MAX_CLIENTS);
}

function oauthApi(request: Request, env: Env) {
  const origin = oauthOrigin(request.url);
  return origin === undefined ? undefined : authorizationServer(origin).getOAuthApi(env);
}

function hostOf(uri: string | undefined): string | null {
  if (uri === undefined) return null;
  try {
    return new URL(uri).host;
  } catch {
    return null; // not a URL: nothing to show
  }
}
