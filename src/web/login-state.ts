/**
 * The state of one sign-in in progress, bound to the browser that started it: a random value in
 * a short-lived HttpOnly cookie (`__Host-` prefixed where it can be Secure) that the sign-in form
 * posts back, and GitHub hands back as `state`. A request whose state does not match the
 * cookie's is refused, so no other site can sign a browser in (login CSRF) or replay GitHub's
 * answer into another browser. The cookie also keeps where to go afterwards (`next`).
 */
import { parse, serialize } from "hono/utils/cookie";
import { secretsEqual } from "../auth/tokens.ts";
import { fromBase64Url, toBase64Url } from "./base64url.ts";
import { isDevHttp } from "./browser-session.ts";

/** How long a sign-in may take, from the page to its answer. */
const LOGIN_STATE_TTL_S = 600;

export interface LoginState {
  state: string;
  /** A path on this origin. */
  next: string;
}

function cookieName(request: Request): string {
  return isDevHttp(request) ? "kiro_login" : "__Host-kiro_login";
}

/** A new sign-in state for `next`, and the Set-Cookie header that binds it to this browser. */
export function beginLogin(request: Request, next: string): { state: LoginState; setCookie: string } {
  const state = {
    state: toBase64Url(crypto.getRandomValues(new Uint8Array(24))),
    next: safeNext(request, next),
  };
  const value = `${state.state}.${toBase64Url(new TextEncoder().encode(state.next))}`;
  return { state, setCookie: loginCookie(request, value, LOGIN_STATE_TTL_S) };
}

/** The sign-in this browser started, when `presented` (the form's or GitHub's state) is its state. */
export async function matchLogin(
  request: Request,
  presented: string | undefined,
): Promise<LoginState | undefined> {
  const value = parse(request.headers.get("cookie") ?? "", cookieName(request))[cookieName(request)] ?? "";
  const [state, nextBytes] = value.split(".");
  if (!state || !presented || !(await secretsEqual(state, presented))) return undefined;
  const next = fromBase64Url(nextBytes ?? "");
  return { state, next: safeNext(request, next ? new TextDecoder().decode(next) : "/") };
}

/** The Set-Cookie header that ends a sign-in in progress (it is single-use). */
export function endLogin(request: Request): string {
  return loginCookie(request, "", 0);
}

/** `next` when it is a path on this origin, else "/": a sign-in never sends anyone elsewhere. */
export function safeNext(request: Request, next: string | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  const origin = new URL(request.url).origin;
  try {
    const url = new URL(next, origin);
    return url.origin === origin ? `${url.pathname}${url.search}` : "/";
  } catch {
    return "/";
  }
}

function loginCookie(request: Request, value: string, maxAge: number): string {
  return serialize(cookieName(request), value, {
    path: "/",
    httpOnly: true,
    secure: !isDevHttp(request),
    sameSite: "Lax",
    maxAge,
  });
}
