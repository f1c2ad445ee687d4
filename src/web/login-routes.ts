/**
 * GET  /login?next=<path>       sign-in page: GitHub's button, or the token form
 * POST /login                   the token form (state, next, token)
 * GET  /login/github/callback   GitHub's answer (code, state)
 * POST /logout                  sign out (csrf)
 * A browser already signed in (or the local user on this machine in local mode) goes straight
 * on to `next`. Every refusal is a page that says what to do.
 */
import { Hono } from "hono";
import { ErrorCode, errorJson } from "../errors.ts";
import { csrfValid, GITHUB_CREDENTIAL_ID, signedInUser, signIn, signOut } from "./browser-session.ts";
import { fromOwnPage } from "./csrf.ts";
import { githubConfig } from "./github/config.ts";
import { githubAuthorizeUrl, githubSignIn } from "./github/sign-in.ts";
import { githubLoginPage, NOBODY_ALLOWED, refusalPage, tokenLoginPage } from "./login-page.ts";
import { beginLogin, endLogin, matchLogin, safeNext } from "./login-state.ts";
import { TOKEN_REFUSED, userOfToken } from "./token-sign-in.ts";

type WebEnv = { Bindings: Env };

const EXPIRED_SIGN_IN = "This sign-in expired or was started in another browser. Start again.";

export function loginRoutes() {
  const login = new Hono<WebEnv>();

  login.get("/", async (c) => {
    const request = c.req.raw;
    const next = safeNext(request, c.req.query("next"));
    if (await signedInUser(request, c.env)) return c.redirect(next, 303);
    const github = githubConfig(c.env);
    if (github && github.logins.size === 0 && github.orgs.size === 0) {
      return refusalPage({ title: "Sign-in is closed", message: NOBODY_ALLOWED, status: 403 });
    }
    const { state, setCookie } = beginLogin(request, next);
    const headers = new Headers({ "set-cookie": setCookie });
    if (github) {
      const href = githubAuthorizeUrl(github, new URL(request.url).origin, state.state);
      return githubLoginPage({ href, headers });
    }
    return tokenLoginPage({ state: state.state, next: state.next, headers });
  });

  login.post("/", async (c) => {
    const request = c.req.raw;
    const form = await c.req.parseBody();
    const started = fromOwnPage(request) ? await matchLogin(request, text(form.state)) : undefined;
    if (!started || githubConfig(c.env)) {
      return refusalPage({ title: "Sign-in expired", message: EXPIRED_SIGN_IN, status: 400 });
    }
    const who = await userOfToken(c.env, text(form.token) ?? "");
    if (!who) {
      const retry = beginLogin(request, started.next);
      const headers = new Headers({ "set-cookie": retry.setCookie });
      return tokenLoginPage({ state: retry.state.state, next: started.next, error: TOKEN_REFUSED, headers });
    }
    return signedIn(request, c.env, who, started.next);
  });

  login.get("/github/callback", async (c) => {
    const request = c.req.raw;
    const github = githubConfig(c.env);
    const started = await matchLogin(request, c.req.query("state"));
    const code = c.req.query("code");
    const headers = new Headers({ "set-cookie": endLogin(request) });
    if (!github || !started || !code) {
      return refusalPage({ title: "Sign-in expired", message: EXPIRED_SIGN_IN, status: 400, headers });
    }
    const outcome = await githubSignIn(github, new URL(request.url).origin, code);
    if (!outcome.ok) {
      const status = outcome.status === 403 ? 403 : 503;
      return refusalPage({ title: "Not signed in", message: outcome.message, status, headers });
    }
    return signedIn(
      request,
      c.env,
      { userId: outcome.userId, credentialId: GITHUB_CREDENTIAL_ID, displayName: outcome.login },
      started.next,
    );
  });

  return login;
}

/** POST /logout: ends this browser's sign-in. */
export function logoutRoute() {
  const logout = new Hono<WebEnv>();
  logout.post("/", async (c) => {
    const user = await signedInUser(c.req.raw, c.env);
    const form = await c.req.parseBody();
    if (!user || !(await csrfValid(c.req.raw, user, text(form.csrf)))) {
      return errorJson(
        c,
        ErrorCode.BadRequest,
        "Sign-out refused: the form is stale or came from another site.",
      );
    }
    c.header("set-cookie", signOut(c.req.raw));
    return c.redirect("/login", 303);
  });
  return logout;
}

async function signedIn(
  request: Request,
  env: Env,
  who: { userId: string; credentialId: string; displayName?: string },
  next: string,
): Promise<Response> {
  const headers = new Headers({ location: next });
  headers.append("set-cookie", endLogin(request));
  headers.append("set-cookie", await signIn(request, env, who));
  return new Response(null, { status: 303, headers });
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
