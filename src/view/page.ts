/**
 * The live task view: one self-contained HTML page. The server writes the task's message into
 * it (escaped); its script (page-script.ts) long-polls the task's status and renders the output
 * as it comes, with Kiro's figures, the elapsed time and a Cancel button. Everything the page
 * shows is inserted as text or as allowlisted elements, never as HTML, and a nonce-based
 * Content-Security-Policy with Trusted Types allows nothing else to run.
 */
import { html, raw } from "hono/html";
import type { TaskOverview } from "../session/task-overview.ts";
import { PAGE_SCRIPT } from "./page-script.ts";
import { PAGE_STYLE } from "./page-style.ts";

export interface TaskPageParams {
  overview: TaskOverview;
  /** This response's CSP nonce. */
  nonce: string;
  /** The CSRF token the Cancel post carries (empty without KIRO_SECRETS_KEY: Cancel is refused). */
  csrf: string;
}

export function taskPage({ overview, nonce, csrf }: TaskPageParams) {
  const heading = overview.kind === "setup" ? "Setting up the session" : "Message";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="csrf-token" content="${csrf}">
<title>Kiro task ${overview.task_id}</title>
<style nonce="${nonce}">${raw(PAGE_STYLE)}</style>
</head>
<body>
<header>
<h1>Kiro task</h1>
<span id="state" class="state running">running</span>
<button id="cancel" type="button" hidden>Cancel</button>
</header>
<p class="meta"><code id="task">${overview.task_id}</code> · <span id="elapsed"></span></p>
<section id="message" class="message">
<h2 class="label">${heading}</h2>
<pre id="message-text">${overview.expired ? "(this task has expired: its output is gone)" : overview.message}</pre>
${overview.message_truncated ? html`<p class="meta">The message is longer than shown.</p>` : ""}
</section>
<p id="usage" class="meta" hidden></p>
<section id="plan" hidden><h2 class="label">Plan</h2><ul id="plan-items"></ul></section>
<main id="log"></main>
<footer id="footer"></footer>
<script nonce="${nonce}">${raw(PAGE_SCRIPT)}</script>
</body>
</html>`;
}
