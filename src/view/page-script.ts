/**
 * The live view's script. It long-polls GET /tasks/:id/status and renders each chunk by kind: the
 * answer's text (plain while it streams; each finished stretch is then fetched from
 * /tasks/:id/markdown as a tree of allowlisted elements and rebuilt here with createElement, tag
 * and link checked again), thoughts, tool calls as <details> with their output (streamed output
 * appended), plan steps, notices; Kiro's figures for the turn, the elapsed time, and a Cancel
 * button that posts with the page's CSRF token. Nothing is ever inserted as HTML.
 */
import { MARKDOWN_TAGS } from "./markdown.ts";

// String.raw: the script is sent exactly as written, backslashes included.
export const PAGE_SCRIPT = String.raw`
"use strict";
const MARKDOWN_TAGS = new Set(${JSON.stringify(MARKDOWN_TAGS)});
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const MAX_TOOL_OUTPUT_CHARS = 20000;
const auth = new URLSearchParams(location.search);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const log = document.getElementById("log");
const footer = document.getElementById("footer");
const cancelButton = document.getElementById("cancel");
const tools = new Map();
const renders = [];
let from = 0, textBlock = null, startedAt = null, endedAt = null;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
function url(path, params) {
  const query = new URLSearchParams(auth);
  for (const [name, value] of Object.entries(params)) query.set(name, String(value));
  return location.pathname + path + "?" + query;
}

function build(node, depth) {
  if (typeof node === "string") return document.createTextNode(node);
  if (!node || depth > 200 || !MARKDOWN_TAGS.has(node.tag)) return document.createTextNode("");
  const element = document.createElement(node.tag);
  if (node.tag === "a" && typeof node.href === "string" && SAFE_LINK.test(node.href)) {
    element.href = node.href;
    element.rel = "noopener noreferrer";
    element.target = "_blank";
  }
  if (node.tag === "ol" && Number.isSafeInteger(node.start)) element.start = node.start;
  if (["left", "center", "right"].includes(node.align)) element.className = "align-" + node.align;
  for (const child of Array.isArray(node.children) ? node.children : []) element.appendChild(build(child, depth + 1));
  return element;
}
async function renderMarkdown(block) {
  try {
    const response = await fetch(url("/markdown", { from: block.first, to: block.last }), { cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
    if (!Array.isArray(body.nodes)) return; // too long to render: it stays plain text
    const rendered = el("div", "text markdown");
    for (const node of body.nodes) rendered.appendChild(build(node, 0));
    block.node.replaceWith(rendered);
  } catch (error) {
    console.warn("the answer stays plain text: " + error.message);
  }
}

function appendText(chunk) {
  if (!textBlock || textBlock.kind !== chunk.kind) {
    closeText();
    textBlock = { kind: chunk.kind, node: log.appendChild(el("pre", chunk.kind, "")), first: chunk.index };
  }
  textBlock.node.textContent += chunk.content;
  textBlock.last = chunk.index;
}
function closeText() {
  const block = textBlock;
  textBlock = null;
  if (block && block.kind === "text") renders.push(renderMarkdown(block));
}
function blocks(content) {
  if (typeof content === "string") return content;
  const parts = Array.isArray(content) ? content : [];
  return parts
    .map((part) => (part && part.content && typeof part.content.text === "string" ? part.content.text : part && typeof part.text === "string" ? part.text : ""))
    .join("\n");
}
function toolCard(chunk) {
  const data = chunk.data || {};
  const id = data.toolCallId;
  let card = id && tools.get(id);
  if (!card) {
    closeText();
    card = log.appendChild(el("details", "tool"));
    card.appendChild(el("summary")).append(el("span", "status"), el("span", "title"));
    card.appendChild(el("pre", "detail")).hidden = true;
    if (id) tools.set(id, card);
  }
  // Kiro's tool_call_chunk frames stream the output piece by piece; an ACP update replaces it.
  const streamed = data.sessionUpdate === "tool_call_chunk";
  const titleNode = card.querySelector(".title");
  const title = data.title || (chunk.kind === "tool_call" ? chunk.content : "");
  // A streamed frame's title is the tool's generic one ("shell"): it names a card only at first.
  if (title && !(streamed && titleNode.textContent)) titleNode.textContent = "⚙ " + title.replace(/^⚙\s*/, "") + (data.kind ? " [" + data.kind + "]" : "");
  if (data.status) card.querySelector(".status").textContent = data.status;
  const output = blocks(data.content);
  const detail = card.querySelector(".detail");
  if (output) detail.textContent = (streamed ? detail.textContent + output : output).slice(-MAX_TOOL_OUTPUT_CHARS);
  detail.hidden = detail.textContent === "";
}
function plan(chunk) {
  const entries = (chunk.data && chunk.data.entries) || chunk.content.split("\n").map((content) => ({ content }));
  const list = document.getElementById("plan-items");
  list.replaceChildren(...entries.map((entry) => el("li", entry.status || "", entry.content)));
  document.getElementById("plan").hidden = false;
}
function render(chunk) {
  switch (chunk.kind) {
    case "text": case "stderr": return appendText(chunk);
    case "thought": closeText(); return log.appendChild(el("div", "thought", chunk.content));
    case "tool_call": case "tool_call_update": return toolCard(chunk);
    case "plan": return plan(chunk);
    case "notice": closeText(); return log.appendChild(el("div", "notice", chunk.content));
    case "usage": return showUsageText(chunk.content);
    default: closeText(); return log.appendChild(el("div", "meta", chunk.content));
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
function duration(seconds) {
  if (seconds < 60) return seconds + " s";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + " min " + String(seconds % 60).padStart(2, "0") + " s";
  return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
}
function showElapsed() {
  if (startedAt === null) return;
  const seconds = Math.max(0, Math.round(((endedAt || Date.now()) - startedAt) / 1000));
  document.getElementById("elapsed").textContent = (endedAt ? "took " : "running for ") + duration(seconds);
}
function showState(status) {
  const state = document.getElementById("state");
  state.textContent = status;
  state.className = "state " + status;
  cancelButton.hidden = status !== "running";
}

async function finish(status) {
  closeText();
  showState(status.status);
  if (status.error) footer.appendChild(el("p", "error", status.error));
  footer.appendChild(el("p", "meta", status.total_chunks + " chunks, " + status.total_bytes_received + " bytes"));
  await Promise.all(renders);
  document.body.dataset.done = "true";
}
function stop(message) {
  closeText();
  cancelButton.hidden = true;
  footer.replaceChildren(el("p", "error", message));
  document.body.dataset.done = "true";
}
async function poll() {
  // The first poll answers at once, so the page shows the task's state before any output.
  for (let wait = 0; ; wait = 20000) {
    let status, response;
    try {
      response = await fetch(url("/status", { from, wait }), { cache: "no-store" });
      status = await response.json();
      if (!response.ok) throw new Error((status.error && status.error.message) || response.statusText);
    } catch (error) {
      // Not found, expired, a revoked link: asking again changes nothing.
      if (response && response.status >= 400 && response.status < 500 && response.status !== 429) return stop(error.message);
      footer.replaceChildren(el("p", "error", "Connection problem: " + error.message + " — retrying"));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    footer.replaceChildren();
    startedAt = Date.parse(status.created_at);
    endedAt = status.ended_at ? Date.parse(status.ended_at) : null;
    showElapsed();
    if (status.status === "cancelling") showState("cancelling");
    else if (!status.is_done) showState("running");
    status.new_chunks.forEach(render);
    if (status.metadata) showUsage(status.metadata);
    from = status.next_chunk_index;
    if (status.is_done && !status.has_more) return finish(status);
  }
}
async function cancel() {
  cancelButton.disabled = true;
  try {
    const response = await fetch(url("/cancel", {}), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }),
      cache: "no-store",
    });
    const body = await response.json();
    if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
    if (!body.is_done) showState(body.status);
  } catch (error) {
    footer.replaceChildren(el("p", "error", "Cancel failed: " + error.message));
    cancelButton.disabled = false;
  }
}
cancelButton.addEventListener("click", cancel);
setInterval(showElapsed, 1000);
poll();
`;
