/**
 * The frame of the server-rendered pages (sign-in, consent): one self-contained HTML document,
 * no external assets, readable on a phone, under a Content-Security-Policy that allows only its
 * own nonce-tagged style (and script, if a page brings one), and a referrer only to this origin.
 * Values are interpolated with
 * hono/html, which escapes them; `raw` marks the page's own markup.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export { html, raw };

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  body: Markup;
  status?: 200 | 400 | 401 | 403 | 404 | 500 | 503;
  /** Where this page's forms may go besides this origin (a redirect after a POST counts too). */
  formTargets?: readonly string[];
  /** Headers to add (Set-Cookie, …). */
  headers?: Headers;
  /** More CSS after the frame's own (a page laid out differently, like the dashboard). */
  style?: string;
}

/** A full HTML response with the strict CSP, no caching, no referrer to other origins. */
export async function page(options: PageOptions): Promise<Response> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const document = await html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title}</title>
<style nonce="${nonce}">${raw(STYLE + (options.style ?? ""))}</style>
</head>
<body>
<main class="card">${options.body}</main>
</body>
</html>`;
  const headers = new Headers(options.headers);
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(" ");
  headers.set(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action ${formAction}`,
  );
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  // Not no-referrer: under it a browser posts forms with `Origin: null`, and the origin check of
  // every form (csrf.ts, fromOwnPage) needs the real one. Other sites still get nothing.
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Frame-Options", "DENY");
  return new Response(String(document), { status: options.status ?? 200, headers });
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --card: #f5f5f7; --line: #d2d2d7; --accent: #7b3fe4; --bad: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --card: #1f1f23; --line: #3a3a40; } }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: var(--fg); min-height: 100vh; display: grid; place-items: center; }
.card { width: 100%; max-width: 28rem; background: var(--card); border-radius: .9rem; padding: 1.5rem; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
p { margin: .5rem 0; } .muted { color: var(--muted); font-size: .9rem; }
code { font: .9em ui-monospace, monospace; overflow-wrap: anywhere; }
label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
input[type=password], input[type=text] { width: 100%; font: 1rem ui-monospace, monospace; padding: .6rem .7rem; border: 1px solid var(--line); border-radius: .5rem; background: transparent; color: var(--fg); }
.actions { display: flex; gap: .75rem; margin-top: 1.25rem; flex-wrap: wrap; }
button, .button { font: 600 1rem system-ui, sans-serif; padding: .65rem 1.2rem; border-radius: .5rem; border: 1px solid var(--line); background: transparent; color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; text-align: center; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; flex: 1; }
.error { color: var(--bad); font-weight: 600; }
ul.grants { padding-left: 1.2rem; } ul.grants li { margin: .3rem 0; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem .75rem; margin: .75rem 0; font-size: .95rem; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
`;
