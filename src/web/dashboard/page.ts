/**
 * The dashboard at `/`: one server-rendered page, no script, no external assets, every value
 * escaped by hono/html, under the frame's strict CSP (layout.ts). It lists the person's sessions
 * and tasks (each task linking to its live view), their tokens, connected clients and secrets, with the forms
 * that change them; on a phone the tables become stacked rows.
 */
import { LOCAL_CREDENTIAL_ID } from "../../auth/authenticate.ts";
import { csrfField } from "../csrf.ts";
import { html, page } from "../layout.ts";
import { clientsSection, secretsSection, tokensSection } from "./account-sections.ts";
import type { DashboardData } from "./data.ts";
import { DASHBOARD_STYLE } from "./style.ts";
import { sessionsSection, tasksSection } from "./work-sections.ts";

/** What a finished form says on the page it returns to (`/?done=<key>`): fixed texts only. */
export const NOTICES = {
  secret_saved: "Secret saved. Your sessions use it from their next turn on.",
  secret_deleted: "Secret deleted.",
  token_revoked: "Token revoked: clients using it are refused from now on.",
  client_disconnected: "Client disconnected: it must sign in again to reach your sessions.",
} as const;
export type NoticeKey = keyof typeof NOTICES;

export function dashboardPage(data: DashboardData, notice: string | undefined, nowMs = Date.now()) {
  const { user } = data;
  const signOut =
    user.credentialId === LOCAL_CREDENTIAL_ID
      ? html`<span class="muted">local mode, on this machine</span>`
      : html`<form method="post" action="/logout">${csrfField(user.csrfToken)}<button type="submit">Sign out</button></form>`;
  const body = html`<header class="top">
<h1>Kiro</h1>
<div class="who">Signed in as <strong>${user.userId}</strong> ${signOut}</div>
</header>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
${sessionsSection(data.sessions, nowMs)}
${tasksSection(data.tasks, nowMs)}
${tokensSection(data.tokens, user.credentialId, user.csrfToken, nowMs)}
${clientsSection(data.clients, user.csrfToken, nowMs)}
${secretsSection(data.secrets, user.csrfToken, nowMs)}`;
  return page({ title: "Kiro", body, style: DASHBOARD_STYLE });
}

/** A form that could not be carried out, and why; a link back. */
export function problemPage(title: string, message: string, status: 400 | 403 | 404 | 500 | 503) {
  const body = html`<h1>${title}</h1>
<p class="error" role="alert">${message}</p>
<div class="actions"><a class="button" href="/">Back to the dashboard</a></div>`;
  return page({ title: `${title} · Kiro`, body, status });
}
