/** Signing in with GitHub (the stand-in), in workerd: the allowlist, the state, and OAuth on top. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { signedInUser } from "../../src/web/browser-session.ts";
import { createToken, workerFetch } from "../worker-auth/auth.ts";
import { cookiesOf, ORIGIN } from "../worker-auth/browser.ts";
import {
  authorizeUrl,
  exchange,
  listTools,
  openConsent,
  pkce,
  postConsent,
  register,
  type Tokens,
} from "../worker-auth/oauth-flow.ts";

/** GET /login?next=…: the GitHub link and the state cookie. */
async function startGithubLogin(next: string) {
  const response = await workerFetch(`${ORIGIN}/login?next=${encodeURIComponent(next)}`);
  expect(response.status).toBe(200);
  const href = /href="([^"]+)"/.exec(await response.text())?.[1]?.replaceAll("&amp;", "&") ?? "";
  return { href: new URL(href), cookie: cookiesOf(response) };
}

/** The stand-in GitHub "signs in" `login` and sends the browser back to the callback. */
async function githubAnswer(href: URL, login: string): Promise<string> {
  const url = new URL(href);
  url.searchParams.set("login", login);
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return response.headers.get("location") ?? "";
}

/** Signs in as `login` through GitHub; the callback's response. */
async function signInAs(login: string, next = "/tasks"): Promise<Response> {
  const { href, cookie } = await startGithubLogin(next);
  const callback = await githubAnswer(href, login);
  return workerFetch(callback, { headers: { cookie }, redirect: "manual" });
}

function sessionCookie(response: Response): string {
  return (
    (response.headers.getSetCookie().find((line) => line.startsWith("kiro_session=")) ?? "").split(";")[0] ??
    ""
  );
}

async function userOf(response: Response) {
  const request = new Request(`${ORIGIN}/`, { headers: { cookie: sessionCookie(response) } });
  return signedInUser(request, env);
}

beforeAll(async () => {
  // The first token ends local mode, where the local user on loopback needs no sign-in.
  await createToken("operator");
});

describe("GitHub sign-in", () => {
  it("sends the browser to GitHub for this app, with the callback and a state bound to it", async () => {
    const { href, cookie } = await startGithubLogin("/");
    expect(href.origin).toBe(inject("githubUrl"));
    expect(href.pathname).toBe("/login/oauth/authorize");
    expect(href.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/login/github/callback`);
    expect(href.searchParams.get("scope")).toBe("read:org");
    expect(cookie).toContain(`kiro_login=${href.searchParams.get("state")}.`);
  });

  it("signs in an allowlisted login as gh-<numeric id>, whatever the login's case", async () => {
    const response = await signInAs("octocat");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/tasks");
    expect(await userOf(response)).toMatchObject({
      userId: "gh-583231",
      credentialId: "github",
      displayName: "octocat",
    });
  });

  it("ends a login's sign-in once KIRO_ALLOWED_USERS no longer names it, or GitHub sign-in is off", async () => {
    const cookie = sessionCookie(await signInAs("octocat"));
    const request = () => new Request(`${ORIGIN}/`, { headers: { cookie } });
    expect(await signedInUser(request(), env)).not.toBeNull();
    expect(await signedInUser(request(), { ...env, KIRO_ALLOWED_USERS: "someone-else" })).toBeNull();
    expect(await signedInUser(request(), { ...env, GITHUB_CLIENT_ID: "" })).toBeNull();
  });

  it("signs in a member of an allowlisted organization", async () => {
    const response = await signInAs("hubot");
    expect(response.status).toBe(303);
    expect((await userOf(response))?.userId).toBe("gh-1001");
  });

  it("refuses a GitHub user outside the allowlist, naming the setting, and signs nobody in", async () => {
    const response = await signInAs("mallory");
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("KIRO_ALLOWED_USERS");
    expect(sessionCookie(response)).toBe("");
  });

  it("refuses GitHub's answer in a browser that did not start the sign-in", async () => {
    const { href } = await startGithubLogin("/");
    const callback = await githubAnswer(href, "octocat");
    const other = await startGithubLogin("/");
    const response = await workerFetch(callback, { headers: { cookie: other.cookie }, redirect: "manual" });
    expect(response.status).toBe(400);
    expect(sessionCookie(response)).toBe("");
  });

  it("is closed, saying so, while KIRO_ALLOWED_USERS is empty", async () => {
    const request = new Request(`${ORIGIN}/login`, { headers: { "cf-connecting-ip": "127.0.0.1" } });
    const response = await createApp().fetch(request, { ...env, KIRO_ALLOWED_USERS: "" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("the operator must set KIRO_ALLOWED_USERS");
  });

  it("authorizes an MCP client as the GitHub user", async () => {
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const url = authorizeUrl(clientId, challenge);
    const toLogin = await workerFetch(url, { redirect: "manual" });
    const next = new URL(toLogin.headers.get("location") ?? "").searchParams.get("next") ?? "";
    const signedIn = await signInAs("octocat", next);
    expect(signedIn.headers.get("location")).toBe(url.slice(ORIGIN.length));
    const session = sessionCookie(signedIn);
    const consent = await openConsent(url, session);
    expect(consent.page).toContain("<strong>octocat</strong> <code>gh-583231</code>");
    const approved = await postConsent(
      { handle: consent.handle, csrf: consent.csrf, decision: "allow" },
      [session, consent.cookie].join("; "),
    );
    const code = new URL(approved.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const tokens = (await (await exchange({ clientId, verifier, code })).json()) as Tokens;
    expect((await listTools(tokens.access_token)).status).toBe(200);
  });
});
