/**
 * Who may see a task's live view, and their page's CSRF token: the holder of a signed link
 * (kiro_chat_async's view_url) whose credential is still live, a request with the credentials
 * /mcp takes, or a signed-in browser (the dashboard's links).
 */
import {
  authenticate,
  LOCAL_CREDENTIAL_ID,
  LOCAL_USER_ID,
  localIdentity,
  tokenRegistry,
} from "../auth/authenticate.ts";
import { verifiedTokens } from "../auth/token-cache.ts";
import { ErrorCode, errorResponse, taskNotFound } from "../errors.ts";
import { sessionIdOfTask, sessionObjectName } from "../ids.ts";
import { OAUTH_CREDENTIAL_PREFIX, oauthGrantLive } from "../oauth/access-tokens.ts";
import { masterKey } from "../secrets/keys.ts";
import { signedInUser } from "../web/browser-session.ts";
import { csrfToken } from "../web/csrf.ts";
import { type LinkHolder, verifyViewLink } from "./links.ts";

export interface Viewer {
  userId: string;
  /** The session object holding the task. */
  session: ReturnType<Env["KIRO_SESSION"]["getByName"]>;
  /** The CSRF token of this viewer's page (undefined without KIRO_SECRETS_KEY: posts are refused). */
  csrfToken: () => Promise<string | undefined>;
}

/** No credential at all: the page sends the person to sign in. */
export const NOT_SIGNED_IN = "not_signed_in";

/**
 * The viewer of `taskId`: a signed link, else a bearer token, else the browser's sign-in (the
 * local user on loopback in local mode). The session object's name starts with the viewer's user
 * id, so another user's task leads to an object that holds no session and answers "not found", as
 * an unknown id does: one hop, ownership still enforced.
 */
export async function viewerOf(
  request: Request,
  env: Env,
  taskId: string,
): Promise<Viewer | Response | typeof NOT_SIGNED_IN> {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const master = masterKey(env);
  const holder = master === undefined ? undefined : await verifyViewLink(master, taskId, query);
  let userId: string;
  let csrf: () => Promise<string | undefined>;
  if (holder !== undefined) {
    const refusal = await refuseUnlessLive(holder, request, env);
    if (refusal) return refusal;
    userId = holder.userId;
    csrf = bound(master, `link\n${query.sig}`);
  } else if (request.headers.has("authorization") || query.sig !== undefined) {
    // A bearer token, or a link that does not hold (forged, expired, another task's): refused
    // as /mcp refuses, never taken for the browser's sign-in.
    const identity = await authenticate(request, env);
    if (identity instanceof Response) return identity;
    userId = identity.userId;
    csrf = bound(master, `credential\n${identity.credentialId}`);
  } else {
    const user = await signedInUser(request, env);
    if (user === null) return NOT_SIGNED_IN;
    userId = user.userId;
    csrf = async () => user.csrfToken;
  }
  const sessionId = sessionIdOfTask(taskId);
  if (!sessionId) return errorResponse(ErrorCode.TaskNotFound, taskNotFound(taskId).message);
  return {
    userId,
    csrfToken: csrf,
    session: env.KIRO_SESSION.getByName(sessionObjectName(userId, sessionId)),
  };
}

function bound(master: string | undefined, binding: string): () => Promise<string | undefined> {
  return async () => (master === undefined ? undefined : csrfToken(master, binding));
}

/**
 * A signed link is good only while the credential it was made under is: its token not revoked
 * (and still its user's), its OAuth client still connected (a grant of the user's), or, for the
 * local user, local mode still on for this request.
 */
async function refuseUnlessLive(
  holder: LinkHolder,
  request: Request,
  env: Env,
): Promise<Response | undefined> {
  if (holder.credentialId === LOCAL_CREDENTIAL_ID) {
    const local = await localIdentity(request, env);
    return local instanceof Response ? local : undefined;
  }
  if (holder.credentialId.startsWith(OAUTH_CREDENTIAL_PREFIX)) {
    const local = holder.userId === LOCAL_USER_ID ? await localIdentity(request, env) : undefined;
    if (local instanceof Response) return local;
    if (await oauthGrantLive(request, env, holder.userId, holder.credentialId)) return undefined;
  } else {
    const registry = tokenRegistry(env);
    const liveUser = await verifiedTokens.liveUser(holder.credentialId, (id) => registry.liveUser(id));
    if (liveUser === holder.userId) return undefined;
  }
  return errorResponse(
    ErrorCode.Unauthorized,
    "This link's token has been revoked: links stop working with the token they were made with.",
  );
}
