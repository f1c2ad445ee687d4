/**
 * CSRF protection for the POSTs of the browser pages (the live view's Cancel, the dashboard's
 * forms). A post is accepted only when
 * - the browser says it comes from this server's own page (Origin, Sec-Fetch-Site: fromOwnPage;
 *   another site's page can forge neither), and
 * - it carries the page's CSRF token. For a signed-in browser that is its sign-in's token
 *   (browser-session.ts); for a signed view link or a bearer token it is an HMAC, under a key
 *   derived from KIRO_SECRETS_KEY, of the link's signature or the token's id (csrfToken here).
 *   Another site can neither read the token from our page nor compute it.
 */
import { ErrorCode, errorResponse } from "../errors.ts";
import { csrfKey } from "../secrets/keys.ts";
import { toBase64Url } from "./base64url.ts";
import { html } from "./layout.ts";

/** The form field a post carries its token in. */
export const CSRF_FIELD = "csrf";

/** The hidden field every form of our pages posts its CSRF token in. */
export function csrfField(token: string) {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

const encoder = new TextEncoder();

/** The token of pages whose credential is bound to `binding`. `master`: KIRO_SECRETS_KEY. */
export async function csrfToken(master: string, binding: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", await csrfKey(master), encoder.encode(binding)));
}

/**
 * What is wrong with a post, or undefined when it passes. `expected`: the page's token
 * (undefined: none could be made, as without KIRO_SECRETS_KEY); `token`: what the post carried.
 */
export async function crossSiteProblem(
  request: Request,
  expected: string | undefined,
  token: string | undefined,
): Promise<string | undefined> {
  if (!fromOwnPage(request)) return "Refused: this form was not posted from this server's own page.";
  if (expected !== undefined && token !== undefined && (await equal(token, expected))) return undefined;
  return "Refused: the form's security token is missing or wrong. Reload the page and try again.";
}

/** crossSiteProblem as a JSON answer: 403 `forbidden` with what failed, or undefined. */
export async function refuseCrossSite(
  request: Request,
  expected: string | undefined,
  token: string | undefined,
): Promise<Response | undefined> {
  const problem = await crossSiteProblem(request, expected, token);
  return problem === undefined ? undefined : errorResponse(ErrorCode.Forbidden, problem);
}

/**
 * Whether the browser says the post came from one of this server's pages. Its Origin names this
 * server; or, since our pages' `Referrer-Policy: no-referrer` makes a browser send `Origin: null`
 * with a form it submits, Origin is "null" and Sec-Fetch-Site (which no page can set) says
 * same-origin. A request with neither is refused: every browser sends Origin with a POST.
 */
export function fromOwnPage(request: Request): boolean {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  if (origin === "null") return site === "same-origin";
  return origin === new URL(request.url).origin;
}

/** Constant-time equality of two strings (their digests are compared). */
async function equal(left: string, right: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(left)),
    crypto.subtle.digest("SHA-256", encoder.encode(right)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
