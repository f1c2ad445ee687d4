/**
 * The consent page: which app asks (its registered name, and whether that name is verified),
 * where its access goes (the redirect URI's host, with a warning for an app on this computer),
 * who it will act as, and what it gets. Everything the client supplied is escaped (hono/html).
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import type { BrowserUser } from "../web/browser-session.ts";
import { csrfField } from "../web/csrf.ts";
import { html, page } from "../web/layout.ts";

export function consentPage(options: {
  details: ConsentDescription;
  handle: string;
  user: BrowserUser;
  headers: Headers;
}): Promise<Response> {
  const { details, user } = options;
  const publisher = details.clientDomain
    ? html`<p>Published by <strong>${details.clientDomain}</strong>.</p>`
    : html`<p class="muted">This app registered itself: its name is what it says, not verified.</p>`;
  const loopback = details.redirectIsLoopback
    ? html`<p><strong>Access goes to an app on your computer.</strong> Continue only if you just started signing in from it.</p>`
    : "";
  const body = html`<h1>Allow <span class="client">${details.clientName}</span> to use Kiro?</h1>
${publisher}
<dl>
<dt>As</dt><dd>${as(user)}</dd>
<dt>Sends access to</dt><dd><code>${details.redirectHost}</code></dd>
<dt>Scope</dt><dd><code>${details.scope.join(" ") || "kiro"}</code></dd>
</dl>
${loopback}
<p>It will be able to, as you:</p>
<ul class="grants">
<li>start Kiro sessions and tasks, and read their output and history;</li>
<li>cancel and end them, and read and push changes in their workspaces;</li>
<li>keep this access (refreshing it) until you disconnect it or it goes unused for 30 days.</li>
</ul>
<p class="muted">It never sees your stored secrets (Kiro API key, git token) or your tokens.</p>
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${options.handle}">
${csrfField(user.csrfToken)}
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  return page({
    title: `Authorize ${details.clientName} · Kiro`,
    body,
    headers: options.headers,
    // The answer to this form redirects to the client: Chrome holds redirects to form-action.
    formTargets: [new URL(details.redirectUri).origin],
  });
}

/** The signed-in person: their GitHub login and user id, or their user id. */
function as(user: BrowserUser) {
  if (user.displayName === user.userId) return html`<code>${user.userId}</code>`;
  return html`<strong>${user.displayName}</strong> <code>${user.userId}</code>`;
}
