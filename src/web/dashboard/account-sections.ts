/**
 * The dashboard's tokens, connected OAuth clients and secrets. Tokens show their id, label and dates (the registry holds
 * only hashes: no secret exists to show) with Revoke; clients their registered name with Disconnect; secrets show names and dates, never values,
 * with a form to set one (the place to enter a Kiro API key or a git token, never an MCP tool
 * argument) and Delete. Every form posts to this server with the person's CSRF token.
 */
import type { TokenRecord } from "../../auth/token-registry.ts";
import { SECRET_NAMES } from "../../secrets/names.ts";
import type { SecretInfo } from "../../secrets/store.ts";
import { csrfField } from "../csrf.ts";
import { html } from "../layout.ts";
import type { ConnectedClient } from "./clients.ts";
import { ago } from "./format.ts";

/** What each secret is for, in the set form. */
const SECRET_PURPOSE: Record<(typeof SECRET_NAMES)[number], string> = {
  KIRO_API_KEY: "your Kiro API key, for your own kiro-cli",
  GIT_TOKEN: "your git token, to clone private repositories and push",
};

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function tokensSection(
  tokens: Omit<TokenRecord, "user_id">[],
  current: string,
  csrf: string,
  nowMs: number,
) {
  const rows = tokens.map(
    (token) => html`<tr>
<td><code>${token.id}</code>${token.id === current ? html` <span class="tag">this browser</span>` : ""}</td>
<td data-label="Label">${token.label}</td>
<td data-label="Created">${ago(iso(token.created_at), nowMs)}</td>
<td data-label="Last used">${ago(iso(token.last_used_at), nowMs)}</td>
<td>${
      token.revoked_at === null
        ? html`<form method="post" action="/dashboard/tokens/${token.id}/revoke">${csrfField(csrf)}<button class="danger" type="submit">Revoke</button></form>`
        : html`<span class="muted">revoked ${ago(iso(token.revoked_at), nowMs)}</span>`
    }</td>
</tr>`,
  );
  return html`<section id="tokens">
<h2>Tokens</h2>
<p class="muted">Bearer tokens for MCP clients configured by header. A token is shown once, when it is made (<code>npm run token -- create</code>); revoking one stops every client and sign-in that uses it.</p>
${
  tokens.length === 0
    ? html`<p class="muted">You have no tokens.</p>`
    : html`<div class="scroll"><table>
<thead><tr><th>Token</th><th>Label</th><th>Created</th><th>Last used</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
</section>`;
}

export function clientsSection(clients: ConnectedClient[] | null, csrf: string, nowMs: number) {
  const rows = (clients ?? []).map(
    (client) => html`<tr>
<td class="wrap"><strong>${client.name}</strong><div class="muted"><code>${client.clientId}</code></div></td>
<td data-label="Redirects to">${client.redirectHost ?? html`<span class="muted">—</span>`}</td>
<td data-label="Connected">${ago(iso(client.createdAt * 1000), nowMs)}</td>
<td><form method="post" action="/dashboard/clients/${client.grantId}/revoke">${csrfField(csrf)}<button class="danger" type="submit">Disconnect</button></form></td>
</tr>`,
  );
  const empty =
    clients === null
      ? "MCP clients sign in with OAuth only over https (or on this machine)."
      : "No MCP client is connected with OAuth. Paste this server's /mcp URL into a client and sign in.";
  return html`<section id="clients">
<h2>Connected clients</h2>
${
  rows.length === 0
    ? html`<p class="muted">${empty}</p>`
    : html`<p class="muted">MCP clients you signed in with OAuth. Disconnecting one revokes its access at once.</p>
<div class="scroll"><table>
<thead><tr><th>Client</th><th>Redirects to</th><th>Connected</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
</section>`;
}

export function secretsSection(secrets: SecretInfo[], csrf: string, nowMs: number) {
  const rows = secrets.map(
    (secret) => html`<tr>
<td><code>${secret.name}</code></td>
<td data-label="Stored">${ago(iso(secret.created_at), nowMs)}</td>
<td data-label="Updated">${ago(iso(secret.updated_at), nowMs)}</td>
<td><form method="post" action="/dashboard/secrets/${secret.name}/delete">${csrfField(csrf)}<button class="danger" type="submit">Delete</button></form></td>
</tr>`,
  );
  const options = SECRET_NAMES.map(
    (name) => html`<option value="${name}">${name} — ${SECRET_PURPOSE[name]}</option>`,
  );
  return html`<section id="secrets">
<h2>Secrets</h2>
<p class="muted">Stored encrypted for your sessions only; never shown again, never in an MCP tool's arguments.</p>
${
  secrets.length === 0
    ? html`<p class="muted">You have stored no secrets.</p>`
    : html`<div class="scroll"><table>
<thead><tr><th>Name</th><th>Stored</th><th>Updated</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
<form method="post" action="/dashboard/secrets" class="set-secret">
${csrfField(csrf)}
<label for="secret-name">Secret</label>
<select id="secret-name" name="name">${options}</select>
<label for="secret-value">Value</label>
<input id="secret-value" name="value" type="password" autocomplete="off" spellcheck="false" required>
<div class="actions"><button class="primary" type="submit">Save</button></div>
</form>
</section>`;
}
