/**
 * The live task view: one self-contained HTML page. Its script long-polls the task's status
 * endpoint and renders each chunk by kind — the answer's text, thoughts, tool calls (updated in
 * place), plan steps, notices — with Kiro's figures for the turn (context used, credits,
 * duration) in a line of their own, kept current, then the final state. All content is inserted as text, never as
 * HTML, and a nonce-based Content-Security-Policy allows nothing else to run.
 */
export function taskPage(taskId: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Kiro task ${taskId}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header><h1>Kiro task</h1><code id="task"></code><span id="state" class="state running">running</span></header>
<p id="usage" class="meta" hidden></p>
<section id="plan" hidden><h2>Plan</h2><ul id="plan-items"></ul></section>
<main id="log"></main>
<footer id="footer"></footer>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --card: #f5f5f7; --accent: #7b3fe4; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --card: #1f1f23; } }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1.5rem; color: var(--fg); }
header { display: flex; gap: .75rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.25rem; margin: 0; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
code { color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; min-width: 0; }
.state { margin-left: auto; padding: .1rem .6rem; border-radius: 1rem; font-size: .85rem; background: var(--card); }
.state.running::before { content: "● "; color: var(--accent); animation: pulse 1s infinite alternate; }
.state.completed { color: #1a7f37; } .state.failed { color: #cf222e; } .state.cancelled { color: var(--muted); }
@keyframes pulse { from { opacity: .3; } to { opacity: 1; } }
pre { white-space: pre-wrap; word-break: break-word; margin: .25rem 0; font: 13px/1.45 ui-monospace, monospace; }
.text { color: var(--fg); } .stderr { color: var(--muted); }
.thought { color: var(--muted); font-style: italic; border-left: 3px solid var(--muted); padding-left: .6rem; margin: .4rem 0; }
.tool { background: var(--card); border-radius: .5rem; padding: .4rem .7rem; margin: .4rem 0; font-size: .9rem; }
.tool .status { float: right; color: var(--muted); }
.tool .detail { color: var(--muted); margin: .3rem 0 0; max-height: 12rem; overflow: auto; }
.tool .detail:empty { display: none; }
.notice { background: #fff3cd; color: #664d03; border-radius: .5rem; padding: .4rem .7rem; margin: .4rem 0; }
.meta { color: var(--muted); font-size: .8rem; margin: .2rem 0; }
#plan { background: var(--card); border-radius: .5rem; padding: .6rem 1rem; margin: 1rem 0; }
#plan li.completed { text-decoration: line-through; color: var(--muted); } #plan li.in_progress { font-weight: 600; }
.error { color: #cf222e; white-space: pre-wrap; }
`;

// String.raw: the script is sent exactly as written, backslashes included.
const SCRIPT = String.raw`
"use strict";
const taskId = location.pathname.split("/").pop();
const auth = new URLSearchParams(location.search);
const log = document.getElementById("log");
const tools = new Map();
let from = 0, textBlock = null, textKind = null;
document.getElementById("task").textContent = taskId;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
function appendText(kind, content) {
  if (textKind !== kind) { textBlock = log.appendChild(el("pre", kind, "")); textKind = kind; }
  textBlock.textContent += content;
}
function toolOutput(data) {
  const parts = Array.isArray(data && data.content) ? data.content : [];
  return parts
    .map((part) => (part && part.content && typeof part.content.text === "string" ? part.content.text : ""))
    .filter(Boolean)
    .join("\n")
    .slice(0, 4000);
}
function toolCard(chunk) {
  const data = chunk.data || {};
  const id = data.toolCallId;
  let card = id && tools.get(id);
  if (!card) {
    card = log.appendChild(el("div", "tool"));
    card.append(el("span", "status"), el("span", "title"), el("pre", "detail"));
    if (id) tools.set(id, card);
  }
  const title = data.title || (chunk.kind === "tool_call" ? chunk.content : "");
  if (title) card.querySelector(".title").textContent = "⚙ " + title.replace(/^⚙\s*/, "") + (data.kind ? " [" + data.kind + "]" : "");
  if (data.status) card.querySelector(".status").textContent = data.status;
  const output = toolOutput(data);
  if (output) card.querySelector(".detail").textContent = output;
  textKind = null;
}
function plan(chunk) {
  const entries = (chunk.data && chunk.data.entries) || chunk.content.split("\n").map((content) => ({ content }));
  const list = document.getElementById("plan-items");
  list.replaceChildren(...entries.map((entry) => el("li", entry.status || "", entry.content)));
  document.getElementById("plan").hidden = false;
}
function render(chunk) {
  switch (chunk.kind) {
    case "text": case "stderr": return appendText(chunk.kind, chunk.content);
    case "thought": textKind = null; return log.appendChild(el("div", "thought", chunk.content));
    case "tool_call": case "tool_call_update": return toolCard(chunk);
    case "plan": return plan(chunk);
    case "notice": textKind = null; return log.appendChild(el("div", "notice", chunk.content));
    case "usage": return showUsageText(chunk.content);
    default: textKind = null; return log.appendChild(el("div", "meta", chunk.content));
  }
}
function showUsageText(text) {
  const usage = document.getElementById("usage");
  usage.textContent = text;
  usage.hidden = text === "";
}
function showUsage(metadata) {
  const parts = [];
  if (typeof metadata.contextUsagePercentage === "number") parts.push("context " + metadata.contextUsagePercentage.toFixed(1) + "%");
  if (typeof metadata.credits === "number") parts.push(metadata.credits + " credits");
  if (typeof metadata.turnDurationMs === "number") parts.push((metadata.turnDurationMs / 1000).toFixed(1) + " s");
  if (parts.length > 0) showUsageText(parts.join(" · "));
}
function finish(status) {
  const state = document.getElementById("state");
  state.textContent = status.status; state.className = "state " + status.status;
  const footer = document.getElementById("footer");
  if (status.error) footer.appendChild(el("p", "error", status.error));
  footer.appendChild(el("p", "meta", status.total_chunks + " chunks, " + status.total_bytes_received + " bytes"));
  document.body.dataset.done = "true";
}
async function poll() {
  for (;;) {
    const query = new URLSearchParams(auth);
    query.set("from", String(from)); query.set("wait", "20000");
    let status;
    try {
      const response = await fetch(location.pathname + "/status?" + query, { cache: "no-store" });
      status = await response.json();
      if (!response.ok) throw new Error((status.error && status.error.message) || response.statusText);
    } catch (error) {
      document.getElementById("footer").replaceChildren(el("p", "error", "Connection problem: " + error.message + " — retrying"));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    status.new_chunks.forEach(render);
    if (status.metadata) showUsage(status.metadata);
    from = status.next_chunk_index;
    if (status.is_done && !status.has_more) return finish(status);
  }
}
poll();
`;
