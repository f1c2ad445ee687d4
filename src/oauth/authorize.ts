/**
 * GET  /authorize   an MCP client's authorization request: checked by the library (client,
 *                   exact redirect URI, response type, resource, PKCE), then — once the person
 *                   is signed in (browser-session.ts; else /login and back) — the consent page.
 * POST /authorize   the consent form: Allow issues the code to the client's redirect URI, Deny
 *                   answers it `access_denied`.
 * The form is bound to the browser twice: the library's single-use consent handle with its
 * `__Host-` cookie, and the signed-in user's CSRF token. PKCE (S256) is required of every client.
 */
import {
  AuthorizationError,
  type AuthRequest,
  authorizationErrorRedirect,
  CimdFetchError,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { Hono } from "hono";
import { createLogger } from "../util/log.ts";
import { type BrowserUser, csrfValid, loginPath, signedInUser } from "../web/browser-session.ts";
import { refusalPage } from "../web/login-page.ts";
import { consentPage } from "./consent-page.ts";
import { authorizationServer, type GrantProps, oauthOrigin } from "./server.ts";

type OAuthEnv = { Bindings: Env };

const STALE_CONSENT =
  "This consent page has expired, was already used, or was opened in another browser. Start signing in again from your MCP client.";

export function authorizeRoutes() {
  const routes = new Hono<OAuthEnv>();

  routes.get("/", async (c) => {
    const request = c.req.raw;
    const oauth = helpersFor(request, c.env);
    if (!oauth) return c.notFound();
    return handled({ stale: false }, async () => {
      const authRequest = await oauth.parseAuthRequest(request);
      if (!authRequest.codeChallenge) {
        return redirect(
          authorizationErrorRedirect(authRequest, "invalid_request", "PKCE (S256) is required."),
        );
      }
      const user = await signedInUser(request, c.env);
      if (!user) {
        const url = new URL(request.url);
        return redirect(new URL(loginPath(`${url.pathname}${url.search}`), url).toString());
      }
      const details = await oauth.describeConsent(authRequest);
      const consent = await oauth.beginConsent(authRequest);
      return consentPage({ details, handle: consent.handle, user, headers: consent.headers });
    });
  });

  routes.post("/", async (c) => {
    const request = c.req.raw;
    const oauth = helpersFor(request, c.env);
    if (!oauth) return c.notFound();
    const user = await signedInUser(request, c.env);
    const form = await c.req.parseBody();
    const handle = typeof form.handle === "string" ? form.handle : "";
    const csrf = typeof form.csrf === "string" ? form.csrf : undefined;
    if (!user || !(await csrfValid(request, user, csrf))) {
      return refusalPage({ title: "Not authorized", message: STALE_CONSENT, status: 403, again: false });
    }
    return handled({ stale: true }, async () => {
      if (form.decision !== "allow") {
        const denied = await oauth.denyConsent(request, handle);
        return new Response(null, { status: 302, headers: denied.headers });
      }
      const approved = await oauth.approveConsent(request, handle);
      const redirectTo = await grant(oauth, approved.request, user);
      approved.headers.set("Location", redirectTo);
      return new Response(null, { status: 302, headers: approved.headers });
    });
  });

  return routes;
}

/** Issues the grant (and the code) for the signed-in user; where to send the browser. */
async function grant(oauth: OAuthHelpers, authRequest: AuthRequest, user: BrowserUser): Promise<string> {
  const props: GrantProps = { userId: user.userId };
  const { redirectTo } = await oauth.completeAuthorization({
    request: authRequest,
    userId: user.userId,
    metadata: { signedInWith: user.credentialId },
    scope: authRequest.scope,
    props,
  });
  createLogger({ component: "oauth", user_id: user.userId }).info("oauth.authorized", {
    client_id: authRequest.clientId,
  });
  return redirectTo;
}

function helpersFor(request: Request, env: Env): OAuthHelpers | undefined {
  const origin = oauthOrigin(request.url);
  return origin === undefined ? undefined : authorizationServer(origin).getOAuthApi(env);
}

/**
 * Runs an authorize step, answering the library's refusals: back to the client when its redirect
 * URI is validated (error, state, iss), on a page of ours when it is not. `stale`: a refusal
 * here means the consent form can no longer be used (expired, used, another browser).
 */
async function handled(options: { stale: boolean }, step: () => Promise<Response>): Promise<Response> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AuthorizationError && error.redirectTo) return redirect(error.redirectTo);
    if (error instanceof AuthorizationError) {
      return refusalPage({
        title: "Cannot authorize",
        message: options.stale
          ? STALE_CONSENT
          : `This authorization request is not valid: ${error.description}`,
        status: 400,
        again: false,
      });
    }
    if (error instanceof CimdFetchError) {
      return refusalPage({
        title: "Cannot authorize",
        message: "This app could not be verified.",
        status: 400,
        again: false,
      });
    }
    throw error;
  }
}

/** A 302 whose headers the security-headers middleware can still add to (Response.redirect's cannot). */
function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location } });
}
