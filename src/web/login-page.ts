/** The sign-in pages: paste a token, or go to GitHub; and the page that says why not. */
import { html, page } from "./layout.ts";

/** The token form. `error`: why the last attempt was refused. */
export function tokenLoginPage(options: {
  state: string;
  next: string;
  error?: string;
  headers: Headers;
}): Promise<Response> {
  const body = html`<h1>Sign in to Kiro</h1>
<p>Paste one of your Kiro tokens. Your operator gives you one with <code>npm run token -- create</code>; it starts with <code>kiro_</code>.</p>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="state" value="${options.state}">
<input type="hidden" name="next" value="${options.next}">
<label for="token">Token</label>
<input id="token" type="password" name="token" autocomplete="off" spellcheck="false" required autofocus placeholder="kiro_…">
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>
<p class="muted">The token stays on this server's side: it is checked, not stored, and this browser keeps only a sign-in cookie for 12 hours.</p>`;
  return page({ title: "Sign in · Kiro", body, status: options.error ? 401 : 200, headers: options.headers });
}

/** The GitHub button: a link to GitHub's authorize page for this server's OAuth app. */
export function githubLoginPage(options: { href: string; headers: Headers }): Promise<Response> {
  const body = html`<h1>Sign in to Kiro</h1>
<p>This server signs people in with their GitHub account.</p>
<div class="actions"><a class="button primary" href="${options.href}">Sign in with GitHub</a></div>
<p class="muted">GitHub tells this server your account's id and login (and, if the operator admits an organization, which organizations you belong to). Nothing else is read or kept.</p>`;
  return page({ title: "Sign in · Kiro", body, headers: options.headers });
}

/**
 * A sign-in that cannot go on, and why. `again`: offer to start signing in again (not where
 * only the MCP client can start over: an authorization request comes from it).
 */
export function refusalPage(options: {
  title: string;
  message: string;
  status: 400 | 401 | 403 | 503;
  headers?: Headers;
  again?: boolean;
}): Promise<Response> {
  const again =
    options.again === false
      ? ""
      : html`<div class="actions"><a class="button" href="/login">Start again</a></div>`;
  const body = html`<h1>${options.title}</h1>
<p class="error" role="alert">${options.message}</p>
${again}`;
  return page({ title: `${options.title} · Kiro`, body, status: options.status, headers: options.headers });
}

/** The message when GitHub sign-in is configured but KIRO_ALLOWED_USERS names nobody. */
export const NOBODY_ALLOWED =
  "GitHub sign-in is set up on this server, but nobody is allowed to use it yet: the operator must set KIRO_ALLOWED_USERS to GitHub logins and/or org:<name> entries.";
