/**
 * An OAuth client's side of signing in, step by step over raw HTTP against the Worker in workerd,
 * so each step can also be done wrong: register, authorize (a signed-in browser approving the
 * consent page), exchange the code, refresh.
 */
import { expect } from "vitest";
import { workerFetch } from "./auth.ts";
import { cookiesOf, ORIGIN } from "./browser.ts";

export const RESOURCE = `${ORIGIN}/mcp`;
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

export interface Pkce {
  verifier: string;
  challenge: string;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export async function pkce(): Promise<Pkce> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/** A POST /register of a client, from `address` (CF-Connecting-IP). */
export function registration(
  name = "Test Client",
  redirectUris = [REDIRECT_URI],
  authMethod: "none" | "client_secret_basic" = "none",
  address = randomAddress(),
): Promise<Response> {
  return workerFetch(`${ORIGIN}/register`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": address },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: redirectUris,
      token_endpoint_auth_method: authMethod,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
}

/**
 * Dynamic client registration of a public client (or a confidential one); its client_id. Each
 * from an address of its own, so the per-address limit on registrations is only met on purpose.
 */
export async function register(
  name = "Test Client",
  redirectUris = [REDIRECT_URI],
  authMethod: "none" | "client_secret_basic" = "none",
): Promise<string> {
  const response = await registration(name, redirectUris, authMethod);
  expect(response.status).toBe(201);
  return ((await response.json()) as { client_id: string }).client_id;
}

/** A random address in the documentation prefix (RFC 3849, 2001:db8::/32). */
function randomAddress(): string {
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(4)), (group) => group.toString(16));
  return `2001:db8::${groups.join(":")}`;
}

export function authorizeUrl(
  clientId: string,
  challenge: string,
  overrides: Record<string, string> = {},
): string {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "client-state-1",
    resource: RESOURCE,
    scope: "kiro",
    ...overrides,
  });
  return `${ORIGIN}/authorize?${query}`;
}

/** The consent page for `url` as the browser with `session` sees it: its form fields and cookies. */
export async function openConsent(url: string, session: string) {
  const response = await workerFetch(url, { headers: { cookie: session }, redirect: "manual" });
  const page = await response.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1] ?? "";
  return { response, page, handle: field("handle"), csrf: field("csrf"), cookie: cookiesOf(response) };
}

export function postConsent(
  fields: Record<string, string>,
  cookie: string,
  origin = ORIGIN,
): Promise<Response> {
  return workerFetch(`${ORIGIN}/authorize`, {
    method: "POST",
    headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** Registers, signs `session` through consent, and returns the code and what made it. */
export async function authorizationCode(session: string) {
  const clientId = await register();
  const { verifier, challenge } = await pkce();
  const consent = await openConsent(authorizeUrl(clientId, challenge), session);
  expect(consent.response.status).toBe(200);
  const cookie = [session, consent.cookie].join("; ");
  const approved = await postConsent(
    { handle: consent.handle, csrf: consent.csrf, decision: "allow" },
    cookie,
  );
  expect(approved.status).toBe(302);
  const location = new URL(approved.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.searchParams.get("state")).toBe("client-state-1");
  return { clientId, verifier, code: location.searchParams.get("code") ?? "" };
}

export function token(fields: Record<string, string>): Promise<Response> {
  return workerFetch(`${ORIGIN}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
}

export function exchange(grant: { clientId: string; verifier: string; code: string }, overrides = {}) {
  return token({
    grant_type: "authorization_code",
    code: grant.code,
    redirect_uri: REDIRECT_URI,
    client_id: grant.clientId,
    code_verifier: grant.verifier,
    resource: RESOURCE,
    ...overrides,
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export function listTools(accessToken?: string): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
  return workerFetch(RESOURCE, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}
