/** Browser sign-in with a pasted token: the cookie, its checks, and every refusal. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { csrfValid, signedInUser } from "../../src/web/browser-session.ts";
import { createToken, revokeToken, workerFetch } from "./auth.ts";
import { ORIGIN, postLogin, signInWith, startLogin } from "./browser.ts";

function asBrowser(cookie: string): Request {
  return new Request(`${ORIGIN}/`, { headers: { cookie, "cf-connecting-ip": "127.0.0.1" } });
}

let alice: { token: string; id: string };

beforeAll(async () => {
  alice = await createToken("alice-browser");
});

describe("browser sign-in with a token", () => {
  it("serves the token form under a strict CSP, binding its state to the browser", async () => {
    const response = await workerFetch(`${ORIGIN}/login?next=/tasks`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[0-9a-f]{32}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("set-cookie")).toMatch(/^kiro_login=.*HttpOnly.*SameSite=Lax/);
    expect(await response.text()).toContain('name="token"');
  });

  it("signs in with a live token: an HttpOnly, SameSite=Lax cookie, then on to next", async () => {
    const { state, cookie } = await startLogin("/tasks");
    const response = await postLogin({ state, next: "/tasks", token: alice.token }, cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/tasks");
    const session = response.headers.getSetCookie().find((line) => line.startsWith("kiro_session=")) ?? "";
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Max-Age=43200/);
    const user = await signedInUser(asBrowser(session.split(";")[0] ?? ""), env);
    expect(user).toMatchObject({ userId: "alice-browser", credentialId: alice.id });
  });

  it("is Secure with the __Host- prefix over https", async () => {
    const response = await workerFetch("https://kiro.example/login?next=/");
    expect(response.headers.get("set-cookie")).toMatch(/^__Host-kiro_login=.*Secure/);
  });

  it("refuses unknown, malformed and revoked tokens with one identical message", async () => {
    const revoked = await createToken("carol-browser");
    await revokeToken(revoked.id);
    const texts: string[] = [];
    for (const token of [`kiro_${"A".repeat(43)}`, "not-a-token", revoked.token]) {
      const { state, cookie } = await startLogin();
      const response = await postLogin({ state, next: "/", token }, cookie);
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().some((line) => line.startsWith("kiro_session="))).toBe(false);
      texts.push((/<p class="error"[^>]*>([^<]*)</.exec(await response.text()) ?? [])[1] ?? "");
    }
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain("not valid");
  });

  it("refuses a post without this browser's state, or from another site", async () => {
    const { state, cookie } = await startLogin();
    expect((await postLogin({ state, next: "/", token: alice.token }, "")).status).toBe(400);
    expect((await postLogin({ state: "forged", next: "/", token: alice.token }, cookie)).status).toBe(400);
    const crossSite = await postLogin(
      { state, next: "/", token: alice.token },
      cookie,
      "https://evil.example",
    );
    expect(crossSite.status).toBe(400);
  });

  it("never sends anyone to another origin after signing in", async () => {
    const { state, cookie } = await startLogin("//evil.example/x");
    const response = await postLogin({ state, next: "//evil.example/x", token: alice.token }, cookie);
    expect(response.headers.get("location")).toBe("/");
  });

  it("refuses a tampered or foreign cookie, and one whose token was revoked", async () => {
    const dave = await createToken("dave-browser");
    const cookie = await signInWith(dave.token);
    expect(await signedInUser(asBrowser(cookie), env)).not.toBeNull();
    const [name, value] = cookie.split("=") as [string, string];
    const [body, signature] = value.split(".") as [string, string];
    const forgedBody = btoa(JSON.stringify({ u: "alice-browser", c: alice.id, e: 9_999_999_999, s: "x" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    expect(await signedInUser(asBrowser(`${name}=${forgedBody}.${signature}`), env)).toBeNull();
    expect(await signedInUser(asBrowser(`${name}=${body}.${"A".repeat(43)}`), env)).toBeNull();
    await revokeToken(dave.id);
    expect(await signedInUser(asBrowser(cookie), env)).toBeNull();
  });

  it("signs out only with the user's CSRF token from this site", async () => {
    const cookie = await signInWith(alice.token);
    const user = await signedInUser(asBrowser(cookie), env);
    if (!user) throw new Error("not signed in");
    const logout = (csrf: string, origin = ORIGIN) =>
      workerFetch(`${ORIGIN}/logout`, {
        method: "POST",
        headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf }),
        redirect: "manual",
      });
    expect((await logout("wrong")).status).toBe(400);
    expect((await logout(user.csrfToken, "https://evil.example")).status).toBe(400);
    const response = await logout(user.csrfToken);
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toMatch(/^kiro_session=;.*Max-Age=0/);
    const posted = new Request(`${ORIGIN}/x`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    expect(await csrfValid(posted, user, user.csrfToken)).toBe(false);
    const post = (headers: Record<string, string>) => new Request(`${ORIGIN}/x`, { method: "POST", headers });
    // A form posted under a no-referrer policy says `Origin: null`: only Sec-Fetch-Site vouches then.
    expect(
      await csrfValid(post({ origin: "null", "sec-fetch-site": "same-origin" }), user, user.csrfToken),
    ).toBe(true);
    expect(await csrfValid(post({ origin: "null" }), user, user.csrfToken)).toBe(false);
    // Every browser sends Origin with a form post: one without it is no page of ours.
    expect(await csrfValid(post({}), user, user.csrfToken)).toBe(false);
    expect(
      await csrfValid(post({ origin: ORIGIN, "sec-fetch-site": "cross-site" }), user, user.csrfToken),
    ).toBe(false);
    expect(
      await csrfValid(post({ origin: ORIGIN, "sec-fetch-site": "same-site" }), user, user.csrfToken),
    ).toBe(false);
  });
});
