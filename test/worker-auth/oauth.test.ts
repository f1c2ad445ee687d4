/** OAuth sign-in for MCP clients in workerd: discovery, the flow, and every refusal. */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { callTool, pollUntilDone } from "../helpers/mcp-client.ts";
import { connectAs, createToken, workerFetch } from "./auth.ts";
import { ORIGIN, signInWith } from "./browser.ts";
import {
  authorizationCode,
  authorizeUrl,
  exchange,
  listTools,
  openConsent,
  pkce,
  postConsent,
  REDIRECT_URI,
  RESOURCE,
  register,
  registration,
  type Tokens,
  token,
} from "./oauth-flow.ts";

let session: string;
let erinToken: string;

beforeAll(async () => {
  erinToken = (await createToken("erin-oauth")).token;
  session = await signInWith(erinToken);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("discovery", () => {
  it("publishes the protected resource <origin>/mcp and the authorization server", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
    ]) {
      const metadata = (await (await workerFetch(`${ORIGIN}${path}`)).json()) as Record<string, unknown>;
      expect(metadata.resource).toBe(RESOURCE);
      expect(metadata.authorization_servers).toEqual([ORIGIN]);
    }
    const server = (await (
      await workerFetch(`${ORIGIN}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(server).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/authorize`,
      token_endpoint: `${ORIGIN}/token`,
      registration_endpoint: `${ORIGIN}/register`,
      code_challenge_methods_supported: ["S256"],
    });
  });

  it("answers /mcp without a token with a challenge naming the metadata, and no error", async () => {
    const response = await listTools();
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource"`,
    );
    expect(((await response.json()) as { error: string }).error).toBe("invalid_token");
    // A web page (a browser-based MCP client) may read the challenge.
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toBe("WWW-Authenticate");
  });

  it("limits client registrations to 10 a minute per address, with a clear 429", async () => {
    const address = "2001:db8::5eed";
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      statuses.push((await registration("Script", [REDIRECT_URI], "none", address)).status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    const refused = await registration("Script", [REDIRECT_URI], "none", address);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });
    // Another address is not held up.
    expect((await registration("Other", [REDIRECT_URI], "none", "2001:db8::1")).status).toBe(201);
  });

  it("answers a bad token with error=invalid_token and the metadata", async () => {
    for (const bad of ["erin-oauth:nogrant:nosecret", "not-a-token", `kiro_${"B".repeat(43)}`]) {
      const response = await listTools(bad);
      expect(response.status).toBe(401);
      const challenge = response.headers.get("www-authenticate") ?? "";
      expect(challenge).toMatch(/^Bearer error="invalid_token"/);
      expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource"`);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_token");
    }
  });
});

describe("the authorization code flow", () => {
  it("signs in, consents, and serves /mcp as the same user, then refreshes", async () => {
    const grant = await authorizationCode(session);
    const response = await exchange(grant);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    expect(tokens.refresh_token).toBeTruthy();
    expect((await listTools(tokens.access_token)).status).toBe(200);
    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: grant.clientId,
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.access_token).not.toBe(tokens.access_token);
    expect((await listTools(next.access_token)).status).toBe(200);
  });

  it("is the same user as their kiro_ token, and its view links last as long as the grant", async () => {
    const viaToken = await connectAs(erinToken);
    const created = await callTool<{ session_id: string }>(viaToken, "kiro_session_create");
    await viaToken.close();
    const grant = await authorizationCode(session);
    const tokens = (await (await exchange(grant)).json()) as Tokens;
    const viaOAuth = await connectAs(tokens.access_token);
    const listed = await callTool<{ sessions: Array<{ session_id: string }> }>(viaOAuth, "kiro_session_list");
    expect(listed.data.sessions.map((entry) => entry.session_id)).toContain(created.data.session_id);
    const started = await callTool<{ task_id: string; view_url: string }>(viaOAuth, "kiro_chat_async", {
      message: "@lines 2",
      session_id: created.data.session_id,
    });
    await pollUntilDone(viaOAuth, started.data.task_id);
    await viaOAuth.close();
    expect((await workerFetch(started.data.view_url)).status).toBe(200);
    await token({ token: tokens.refresh_token, client_id: grant.clientId });
    expect((await workerFetch(started.data.view_url)).status).toBe(401);
  });

  it("sends a browser that is not signed in to /login and back", async () => {
    const clientId = await register();
    const url = authorizeUrl(clientId, (await pkce()).challenge);
    const response = await workerFetch(url, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toBe(url.slice(ORIGIN.length));
  });

  it("names the client and where access goes on the consent page, escaped", async () => {
    const clientId = await register('<img src=x onerror="alert(1)">Evil');
    const consent = await openConsent(authorizeUrl(clientId, (await pkce()).challenge), session);
    expect(consent.page).toContain("&lt;img src=x");
    expect(consent.page).not.toContain("<img");
    expect(consent.page).toContain("127.0.0.1");
    expect(consent.page).toContain("erin-oauth");
    expect(consent.response.headers.get("content-security-policy")).toContain(
      "form-action 'self' http://127.0.0.1:9",
    );
  });
});

describe("refusals", () => {
  it("refuses a wrong PKCE verifier, and a code used twice", async () => {
    const grant = await authorizationCode(session);
    const wrong = await exchange(grant, { code_verifier: (await pkce()).verifier });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_grant");
    const again = await authorizationCode(session);
    expect((await exchange(again)).status).toBe(200);
    const reused = await exchange(again);
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses a redirect URI that is not registered, on its own page and without redirecting", async () => {
    const clientId = await register();
    const challenge = (await pkce()).challenge;
    for (const redirect of [
      "http://127.0.0.1:9/other",
      "https://evil.example/callback",
      `${REDIRECT_URI}/`,
    ]) {
      const response = await workerFetch(authorizeUrl(clientId, challenge, { redirect_uri: redirect }), {
        headers: { cookie: session },
        redirect: "manual",
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("refuses a code exchanged with another redirect URI", async () => {
    const grant = await authorizationCode(session);
    const response = await exchange(grant, { redirect_uri: "http://127.0.0.1:9/other" });
    expect(response.status).toBe(400);
  });

  it("refuses an authorization request without PKCE, from public and confidential clients alike", async () => {
    for (const method of ["none", "client_secret_basic"] as const) {
      const clientId = await register("Test Client", [REDIRECT_URI], method);
      const url = new URL(authorizeUrl(clientId, "x"));
      url.searchParams.delete("code_challenge");
      url.searchParams.delete("code_challenge_method");
      const response = await workerFetch(url, { headers: { cookie: session }, redirect: "manual" });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe("invalid_request");
    }
  });

  it("refuses consent posted without the CSRF token, with a wrong one, or from another site", async () => {
    const clientId = await register();
    const consent = await openConsent(authorizeUrl(clientId, (await pkce()).challenge), session);
    const cookie = [session, consent.cookie].join("; ");
    const allow = { handle: consent.handle, decision: "allow" };
    expect((await postConsent(allow, cookie)).status).toBe(403);
    expect((await postConsent({ ...allow, csrf: "wrong" }, cookie)).status).toBe(403);
    expect((await postConsent({ ...allow, csrf: consent.csrf }, cookie, "https://evil.example")).status).toBe(
      403,
    );
    // Without the consent page's own cookie (another browser), the handle is refused.
    expect((await postConsent({ ...allow, csrf: consent.csrf }, session)).status).toBe(400);
  });

  it("answers Deny with access_denied to the client", async () => {
    const clientId = await register();
    const consent = await openConsent(authorizeUrl(clientId, (await pkce()).challenge), session);
    const cookie = [session, consent.cookie].join("; ");
    const response = await postConsent(
      { handle: consent.handle, csrf: consent.csrf, decision: "deny" },
      cookie,
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("access_denied");
    // The consent form works once: allowing after denying is refused, on our own page.
    const again = await postConsent(
      { handle: consent.handle, csrf: consent.csrf, decision: "allow" },
      cookie,
    );
    expect(again.status).toBe(400);
    expect(again.headers.get("location")).toBeNull();
  });

  it("refuses a revoked access token", async () => {
    const grant = await authorizationCode(session);
    const tokens = (await (await exchange(grant)).json()) as Tokens;
    expect((await listTools(tokens.access_token)).status).toBe(200);
    const revoked = await token({ token: tokens.access_token, client_id: grant.clientId });
    expect(revoked.status).toBe(200);
    expect((await listTools(tokens.access_token)).status).toBe(401);
  });

  it("refuses an expired access token", async () => {
    const grant = await authorizationCode(session);
    const tokens = (await (await exchange(grant)).json()) as Tokens;
    expect((await listTools(tokens.access_token)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + (tokens.expires_in + 60) * 1000);
    const response = await listTools(tokens.access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it("does not take an OAuth access token where only kiro_ tokens work", async () => {
    const grant = await authorizationCode(session);
    const tokens = (await (await exchange(grant)).json()) as Tokens;
    const response = await workerFetch(`${ORIGIN}/account/secrets`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(401);
  });
});
