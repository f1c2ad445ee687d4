/**
 * GitHub sign-in settings. GitHub is the identity step (for /login and /authorize) when both
 * GITHUB_CLIENT_ID (a [vars] entry: the OAuth app's public Client ID) and the secret
 * GITHUB_CLIENT_SECRET are set, for a GitHub OAuth app whose callback URL is
 * <origin>/login/github/callback; otherwise people sign in with one of their `kiro_` tokens.
 *
 * KIRO_ALLOWED_USERS: who may sign in with GitHub, comma- or space-separated GitHub logins and
 * `org:<name>` entries (members of that organization). Empty means nobody: a GitHub OAuth app
 * lets any GitHub account through, so the operator must say who is welcome.
 * KIRO_GITHUB_BASE_URL / KIRO_GITHUB_API_URL: GitHub's web and API origins (GitHub Enterprise,
 * or a stand-in in tests); default https://github.com and https://api.github.com.
 */

export interface GithubConfig {
  clientId: string;
  clientSecret: string;
  /** Where people sign in and codes are exchanged (`/login/oauth/authorize`, `/login/oauth/access_token`). */
  baseUrl: string;
  /** Where the user and their organizations are read (`/user`, `/user/orgs`). */
  apiUrl: string;
  /** Lower-cased logins allowed. */
  logins: ReadonlySet<string>;
  /** Lower-cased organizations whose members are allowed. */
  orgs: ReadonlySet<string>;
}

const DEFAULT_BASE_URL = "https://github.com";
const DEFAULT_API_URL = "https://api.github.com";

/** The optional secret: not in the generated Env. */
type GithubSecret = { GITHUB_CLIENT_SECRET?: string };

/** GitHub sign-in's settings, or undefined when GitHub sign-in is not configured. */
export function githubConfig(env: Env): GithubConfig | undefined {
  const clientId = env.GITHUB_CLIENT_ID?.trim() ?? "";
  const clientSecret = (env as Env & GithubSecret).GITHUB_CLIENT_SECRET?.trim() ?? "";
  if (clientId === "" || clientSecret === "") return undefined;
  const entries = (env.KIRO_ALLOWED_USERS ?? "")
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  return {
    clientId,
    clientSecret,
    baseUrl: origin(env.KIRO_GITHUB_BASE_URL, DEFAULT_BASE_URL),
    apiUrl: origin(env.KIRO_GITHUB_API_URL, DEFAULT_API_URL),
    logins: new Set(entries.filter((entry) => !entry.startsWith("org:"))),
    orgs: new Set(entries.filter((entry) => entry.startsWith("org:")).map((entry) => entry.slice(4))),
  };
}

function origin(raw: string | undefined, fallback: string): string {
  const value = raw?.trim() ?? "";
  return (value === "" ? fallback : value).replace(/\/+$/, "");
}
