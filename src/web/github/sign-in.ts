/**
 * Signing in with GitHub (a GitHub OAuth app, the web application flow): send the browser to
 * GitHub with a `state` bound to it (login-state.ts), exchange the code GitHub returns for a
 * token, read who it is, and admit them only if KIRO_ALLOWED_USERS names their login or one of
 * their organizations. The user id is `gh-<GitHub's numeric id>`, which stays with the account
 * when its login is renamed and can never be taken by someone who registers an old login.
 * The GitHub token is used for these reads only and is not kept.
 */
import type { GithubConfig } from "./config.ts";

/** The path GitHub sends people back to; the OAuth app's callback URL is <origin> + this. */
export const GITHUB_CALLBACK_PATH = "/login/github/callback";

/** A GitHub API answer slower than this fails the sign-in instead of hanging it. */
const GITHUB_TIMEOUT_MS = 10_000;

export interface GithubUser {
  id: number;
  login: string;
}

export type GithubOutcome =
  | { ok: true; userId: string; login: string }
  | { ok: false; status: 403 | 502; message: string };

/** Where to send the browser: GitHub's authorize page for this app. */
export function githubAuthorizeUrl(config: GithubConfig, origin: string, state: string): string {
  const query = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: `${origin}${GITHUB_CALLBACK_PATH}`,
    state,
    allow_signup: "false",
    // Organization membership is read only when an org: entry needs it.
    scope: config.orgs.size > 0 ? "read:org" : "",
  });
  return `${config.baseUrl}/login/oauth/authorize?${query}`;
}

/** Who GitHub says signed in with `code`, and whether they may use this server. */
export async function githubSignIn(
  config: GithubConfig,
  origin: string,
  code: string,
): Promise<GithubOutcome> {
  const token = await exchangeCode(config, origin, code);
  if (token === undefined) {
    return {
      ok: false,
      status: 502,
      message: "GitHub did not accept the sign-in. Try again from the start.",
    };
  }
  const user = await githubJson<GithubUser>(config, "/user", token);
  if (!user || !Number.isSafeInteger(user.id) || typeof user.login !== "string") {
    return { ok: false, status: 502, message: "GitHub did not say who signed in. Try again." };
  }
  if (!(await allowed(config, user, token))) {
    return {
      ok: false,
      status: 403,
      message: `The GitHub account ${user.login} may not use this server. The operator lets people in with KIRO_ALLOWED_USERS (GitHub logins, or org:<name> for an organization's members).`,
    };
  }
  return { ok: true, userId: `gh-${user.id}`, login: user.login };
}

async function allowed(config: GithubConfig, user: GithubUser, token: string): Promise<boolean> {
  if (config.logins.has(user.login.toLowerCase())) return true;
  if (config.orgs.size === 0) return false;
  const orgs = await githubJson<Array<{ login?: unknown }>>(config, "/user/orgs?per_page=100", token);
  return (orgs ?? []).some(
    (org) => typeof org.login === "string" && config.orgs.has(org.login.toLowerCase()),
  );
}

async function exchangeCode(config: GithubConfig, origin: string, code: string): Promise<string | undefined> {
  const response = await fetch(`${config.baseUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: config.clientId,
      client_secret: config.clientSecret,
      code,
      redirect_uri: `${origin}${GITHUB_CALLBACK_PATH}`,
    }),
    signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
  });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { access_token?: unknown };
  return typeof body.access_token === "string" && body.access_token !== "" ? body.access_token : undefined;
}

async function githubJson<T>(config: GithubConfig, path: string, token: string): Promise<T | undefined> {
  const response = await fetch(`${config.apiUrl}${path}`, {
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "user-agent": "kiro-mcp-edge",
    },
    signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
  });
  return response.ok ? ((await response.json()) as T) : undefined;
}
