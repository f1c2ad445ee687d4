/** A browser's side of signing in, for tests in workerd: the token form, its cookies, the session. */
import { expect } from "vitest";
import { workerFetch } from "./auth.ts";

export const ORIGIN = "http://localhost";

/** "name=value" pairs of every Set-Cookie in `response`, joined as a Cookie header would be. */
export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .join("; ");
}

/** GET /login?next=…: the form's state value and the cookie that binds it to "this browser". */
export async function startLogin(next = "/tasks"): Promise<{ state: string; cookie: string; page: string }> {
  const response = await workerFetch(`${ORIGIN}/login?next=${encodeURIComponent(next)}`);
  expect(response.status).toBe(200);
  const page = await response.text();
  const state = /name="state" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { state, cookie: cookiesOf(response), page };
}

export function postLogin(
  fields: Record<string, string>,
  cookie: string,
  origin = ORIGIN,
): Promise<Response> {
  return workerFetch(`${ORIGIN}/login`, {
    method: "POST",
    headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** Signs in with `token`; the session cookie ("name=value"). */
export async function signInWith(token: string): Promise<string> {
  const { state, cookie } = await startLogin();
  const response = await postLogin({ state, next: "/tasks", token }, cookie);
  expect(response.status).toBe(303);
  const session = response.headers.getSetCookie().find((line) => line.startsWith("kiro_session="));
  expect(session).toBeDefined();
  return (session ?? "").split(";")[0] ?? "";
}

/** GET `path` as the browser holding `cookie`. */
export function browse(path: string, cookie: string): Promise<Response> {
  return workerFetch(`${ORIGIN}${path}`, { headers: { cookie }, redirect: "manual" });
}

/**
 * A form post as the browser holding `cookie`, from `origin` (this server's unless told; null:
 * none), with `extra` headers (Sec-Fetch-Site …).
 */
export function post(
  path: string,
  cookie: string,
  fields: Record<string, string>,
  origin: string | null = ORIGIN,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    cookie,
    "content-type": "application/x-www-form-urlencoded",
    ...extra,
  };
  if (origin !== null) headers.origin = origin;
  return workerFetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** The CSRF token a page's forms (or the live view's meta tag) carry. */
export function csrfIn(page: string): string {
  const token =
    /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? /name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  expect(token).toBeDefined();
  return token ?? "";
}
