/**
 * Browser sign-in: who a browser is, for the pages a person opens (sign-in, consent, dashboard,
 * live views). A signed cookie, no server-side state:
 *
 *   signedInUser(request, env) → BrowserUser | null
 *       The person this browser is signed in as (cookie checked: signature, expiry, and its
 *       credential still live), or — without a cookie — the local user in local mode for a
 *       request from this machine, as /mcp does. null: send them to loginPath(next).
 *   signIn(request, env, who) → Set-Cookie header value (throws KiroError secrets_unavailable
 *       when KIRO_SECRETS_KEY is unset).
 *   signOut(request) → Set-Cookie header value that deletes the cookie.
 *   csrfValid(request, user, token) → true when a state-changing POST may proceed: the form's
 *       `csrf` field equals user.csrfToken and the browser says the request is same-origin.
 *   loginPath(next) → "/login?next=…" (next: a path on this origin).
 *
 * The cookie is HttpOnly, SameSite=Lax, Secure with the `__Host-` prefix (on http://localhost
 * and http://127.0.0.1 in development: `kiro_session`, not Secure), and lasts BROWSER_SESSION_TTL_S.
 * It carries the user, the credential they signed in with (a token id, or "github"), its expiry
 * and a random session id, signed with an HMAC key derived from KIRO_SECRETS_KEY. A cookie made
 * with a token stops working within TOKEN_CACHE_MS of that token's revocation; a GitHub one as
 * soon as GitHub sign-in is no longer configured or KIRO_ALLOWED_USERS no longer names the login
 * (an organization's member keeps theirs until it expires). Signing out deletes the cookie in
 * this browser.
 */
import { parse, serialize } from "hono/utils/cookie";
import { LOCAL_CREDENTIAL_ID, localIdentity, tokenRegistry } from "../auth/authenticate.ts";
import { LOOPBACK_HOSTNAMES } from "../auth/local-peer.ts";
import { verifiedTokens } from "../auth/token-cache.ts";
import { ErrorCode, KiroError } from "../errors.ts";
import { browserSessionKey, masterKey } from "../secrets/keys.ts";
import { fromBase64Url, toBase64Url } from "./base64url.ts";
import { fromOwnPage } from "./csrf.ts";
import { githubConfig } from "./github/config.ts";

/** How long a sign-in lasts: a working day; then the person signs in again. */
export const BROWSER_SESSION_TTL_S = 12 * 3600;

/** The credential id of a GitHub sign-in. */
export const GITHUB_CREDENTIAL_ID = "github";

/** A signed-in person. */
export interface BrowserUser {
  userId: string;
  /** What they signed in with: a token id (`tok_…`), "github", or "local" (local mode, no cookie). */
  credentialId: string;
  /** How to name them on a page: their GitHub login, else their user id. */
  displayName: string;
  /** The value every state-changing form of theirs posts as `csrf` (see csrfValid). */
  csrfToken: string;
  /** When the sign-in ends (Unix seconds); undefined for the local user. */
  expiresAt: number | undefined;
}

interface Payload {
  /** user id */
  u: string;
  /** credential id */
  c: string;
  /** expiry, Unix seconds */
  e: number;
  /** random session id (the CSRF token is derived from it) */
  s: string;
  /** display name, when it differs from the user id (a GitHub login) */
  n?: string;
}

/** The cookie's name: `__Host-` prefixed wherever it can be Secure. */
export function sessionCookieName(request: Request): string {
  return isDevHttp(request) ? "kiro_session" : "__Host-kiro_session";
}

/** Plain http to a loopback host: `wrangler dev`, where a Secure cookie would not be sent back. */
export function isDevHttp(request: Request): boolean {
  const url = new URL(request.url);
  return url.protocol === "http:" && LOOPBACK_HOSTNAMES.includes(url.hostname);
}

export async function signIn(
  request: Request,
  env: Env,
  who: { userId: string; credentialId: string; displayName?: string },
  nowMs = Date.now(),
): Promise<string> {
  const key = await sessionKey(env);
  if (!key) {
    throw new KiroError(
      ErrorCode.SecretsUnavailable,
      "Browser sign-in needs KIRO_SECRETS_KEY: the operator sets it with `wrangler secret put KIRO_SECRETS_KEY`.",
    );
  }
  const payload: Payload = {
    u: who.userId,
    c: who.credentialId,
    e: Math.floor(nowMs / 1000) + BROWSER_SESSION_TTL_S,
    s: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
    ...(who.displayName !== undefined && who.displayName !== who.userId && { n: who.displayName }),
  };
  const body = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)));
  const signature = toBase64Url(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return cookie(request, `${body}.${signature}`, BROWSER_SESSION_TTL_S);
}

export function signOut(request: Request): string {
  return cookie(request, "", 0);
}

export async function signedInUser(
  request: Request,
  env: Env,
  nowMs = Date.now(),
): Promise<BrowserUser | null> {
  const key = await sessionKey(env);
  const value = parse(request.headers.get("cookie") ?? "", sessionCookieName(request))[
    sessionCookieName(request)
  ];
  if (key && value) {
    const payload = await verifiedPayload(key, value, nowMs);
    if (payload && (await credentialLive(payload, env))) {
      return {
        userId: payload.u,
        credentialId: payload.c,
        displayName: payload.n ?? payload.u,
        csrfToken: await csrfFor(key, payload.s),
        expiresAt: payload.e,
      };
    }
  }
  const local = await localIdentity(request, env);
  if (local instanceof Response || !key) return null;
  return {
    userId: local.userId,
    credentialId: LOCAL_CREDENTIAL_ID,
    displayName: local.userId,
    csrfToken: await csrfFor(key, "local"),
    expiresAt: undefined,
  };
}

/**
 * Whether a state-changing request of `user` may proceed: `token` (the form's `csrf` field) is
 * theirs, and the browser says it was posted from one of this server's pages (csrf.ts,
 * fromOwnPage: the one origin rule of every form).
 */
export async function csrfValid(
  request: Request,
  user: BrowserUser,
  token: string | undefined,
): Promise<boolean> {
  if (!fromOwnPage(request) || !token) return false;
  const encoder = new TextEncoder();
  const [left, right] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(token)),
    crypto.subtle.digest("SHA-256", encoder.encode(user.csrfToken)),
  ]);
  return crypto.subtle.timingSafeEqual(left, right);
}

/** `/login?next=<next>`: where to send someone who is not signed in. */
export function loginPath(next: string): string {
  return `/login?${new URLSearchParams({ next })}`;
}

function cookie(request: Request, value: string, maxAge: number): string {
  const dev = isDevHttp(request);
  return serialize(sessionCookieName(request), value, {
    path: "/",
    httpOnly: true,
    secure: !dev,
    sameSite: "Lax",
    maxAge,
  });
}

async function sessionKey(env: Env): Promise<CryptoKey | undefined> {
  const master = masterKey(env);
  return master === undefined ? undefined : browserSessionKey(master);
}

async function verifiedPayload(key: CryptoKey, value: string, nowMs: number): Promise<Payload | undefined> {
  const [body, signature, extra] = value.split(".");
  if (!body || !signature || extra !== undefined) return undefined;
  const signatureBytes = fromBase64Url(signature);
  if (!signatureBytes) return undefined;
  const valid = await crypto.subtle.verify("HMAC", key, signatureBytes, new TextEncoder().encode(body));
  if (!valid) return undefined;
  const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as Payload;
  return payload.e * 1000 > nowMs ? payload : undefined;
}

/** The credential a cookie was made with is still good: its token live and still this user's. */
async function credentialLive(payload: Payload, env: Env): Promise<boolean> {
  if (payload.c === GITHUB_CREDENTIAL_ID) return githubStillAllowed(env, payload.n ?? "");
  const registry = tokenRegistry(env);
  const liveUser = await verifiedTokens.liveUser(payload.c, (id) => registry.liveUser(id));
  return liveUser === payload.u;
}

/**
 * A GitHub sign-in holds while GitHub sign-in is configured and KIRO_ALLOWED_USERS still admits
 * the login, or may (organization membership is not asked again: that is GitHub's answer at
 * sign-in, good until the cookie expires).
 */
function githubStillAllowed(env: Env, login: string): boolean {
  const config = githubConfig(env);
  if (!config) return false;
  return config.logins.has(login.toLowerCase()) || config.orgs.size > 0;
}

async function csrfFor(key: CryptoKey, sessionId: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`csrf\n${sessionId}`)));
}
