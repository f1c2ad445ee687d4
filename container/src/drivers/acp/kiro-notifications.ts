/**
 * What Kiro's own notifications (`_kiro.dev/…`, outside the ACP standard) become during a turn:
 * readable `notice` updates, a tool call seen early, or nothing. Shapes as kiro-cli 2.x sends them
 * (read from its TUI's handlers and from captured traffic):
 *
 *   _kiro.dev/error/rate_limit        {sessionId, message}        → notice; the turn learns it
 *   _kiro.dev/session/update          {sessionId, update: {sessionUpdate: "tool_call_chunk",
 *                                      toolCallId, title, kind}}  → tool_call, unless the call is
 *                                      already shown (it previews the tool's own tool_call, and
 *                                      repeats); text it carries → tool_call_update of that id
 *                                     {update: {sessionUpdate: "retry_warning", attempt,
 *                                      maxAttempts, delaySecs, message}} → notice
 *   _kiro.dev/compaction/status       {status: {type, error?}, summary?} → notice
 *   _kiro.dev/agent/not_found         {requestedAgent, fallbackAgent}     → notice
 *   _kiro.dev/agent/switched          {agentName, previousAgentName}      → notice
 *   _kiro.dev/agent/config_error      {path, error}                       → notice
 *   _kiro.dev/mcp/server_init_failure {serverName, error}                 → notice
 *   _kiro.dev/subagent/list_update    {subagents: [{agentName, sessionName?, status: {type}}]}
 *                                     → notice, when the list changed
 *   _kiro.dev/commands/available, _kiro.dev/clear/status, _kiro.dev/mcp/server_initialized → nothing
 *   anything else → unknown (kept with its payload)
 *
 * Subagents are ACP sessions of their own in the same process: of their notifications only a
 * rate limit and a retry warning are the turn's business (the caller drops the rest).
 */
import type { TurnSink } from "../driver.ts";
import { type Json, num, obj, renderToolCall, str } from "./render.ts";

/** What the turn needs to know besides what is written to its sink. */
export interface TurnSignals {
  /** Kiro said it is rate-limited, in these words. */
  rateLimited(message: string): void;
}

type NoticeSink = Pick<TurnSink, "update">;

const QUIET: ReadonlySet<string> = new Set([
  "_kiro.dev/commands/available",
  "_kiro.dev/clear/status",
  "_kiro.dev/mcp/server_initialized",
]);

export class KiroNotifications {
  readonly #sink: NoticeSink;
  readonly #signals: TurnSignals;
  /** Ids of the tool calls the turn has shown, as a tool_call or a preview. */
  readonly #shown: Set<string>;
  #subagents = "";

  constructor(sink: NoticeSink, signals: TurnSignals, shownToolCalls: Set<string>) {
    this.#sink = sink;
    this.#signals = signals;
    this.#shown = shownToolCalls;
  }

  /** Handles a `_kiro.dev/…` notification; `own` is false for a subagent's session. */
  handle(method: string, params: Json, own: boolean): void {
    if (method === "_kiro.dev/error/rate_limit") this.#rateLimit(params, own);
    else if (method === "_kiro.dev/session/update") this.#sessionUpdate(obj(params.update), params, own);
    else if (!own || QUIET.has(method)) return;
    else if (method === "_kiro.dev/subagent/list_update") this.#subagentList(params);
    else {
      const notice = noticeOf(method, params);
      if (notice !== undefined) this.#sink.update("notice", notice, params);
      else this.#sink.update("unknown", method, params);
    }
  }

  /** A `retry_warning` (Kiro retries a model request, usually after a rate limit). */
  retryWarning(update: Json, own: boolean): void {
    const message = str(update.message) ?? `retrying in ${num(update.delaySecs) ?? "a few"} s`;
    this.#sink.update("notice", `${own ? "" : "a subagent: "}Kiro is retrying: ${message}`, update);
  }

  #rateLimit(params: Json, own: boolean): void {
    const message = str(params.message)?.trim() || "no details given";
    this.#signals.rateLimited(message);
    this.#sink.update("notice", `${own ? "" : "a subagent: "}Kiro is rate-limited: ${message}`, params);
  }

  #sessionUpdate(update: Json, params: Json, own: boolean): void {
    const kind = str(update.sessionUpdate);
    if (kind === "retry_warning") this.retryWarning(update, own);
    else if (own && kind === "tool_call_chunk") this.#toolCallChunk(update);
    else if (own) this.#sink.update("unknown", `_kiro.dev/session/update ${kind}`, params);
  }

  #toolCallChunk(update: Json): void {
    const id = str(update.toolCallId);
    const output = chunkText(update.content);
    if (output !== undefined) {
      this.#sink.update("tool_call_update", `${renderToolCall(update)}\n${output}`, update);
    } else if (id === undefined || !this.#shown.has(id)) {
      if (id !== undefined) this.#shown.add(id);
      this.#sink.update("tool_call", `${renderToolCall(update)} (preparing)`, update);
    }
  }

  /** The list is a snapshot each time: a notice only when it reads differently. */
  #subagentList(params: Json): void {
    const agents = Array.isArray(params.subagents) ? params.subagents.map(obj) : [];
    const text =
      agents.length === 0
        ? "subagents: none running"
        : `subagents: ${agents
            .map((agent) => {
              const name = str(agent.sessionName) || str(agent.agentName) || "subagent";
              return `${name} (${str(obj(agent.status).type) ?? "idle"})`;
            })
            .join(", ")}`;
    if (text === this.#subagents || (this.#subagents === "" && agents.length === 0)) return;
    this.#subagents = text;
    this.#sink.update("notice", text, params);
  }
}

/** The notice for a notification that maps to one fixed sentence, else undefined. */
function noticeOf(method: string, params: Json): string | undefined {
  switch (method) {
    case "_kiro.dev/compaction/status":
      return compactionNotice(params);
    case "_kiro.dev/agent/not_found":
      return `Kiro has no agent ${str(params.requestedAgent) ?? "(unnamed)"}; it uses ${str(params.fallbackAgent) ?? "its default agent"} instead`;
    case "_kiro.dev/agent/switched":
      return `Kiro switched to agent ${str(params.agentName) ?? "(unnamed)"}${str(params.previousAgentName) ? ` (from ${str(params.previousAgentName)})` : ""}`;
    case "_kiro.dev/agent/config_error":
      return `Kiro could not read the agent configuration ${str(params.path) ?? ""}: ${described(params.error)}`;
    case "_kiro.dev/mcp/server_init_failure":
      return `MCP server ${str(params.serverName) ?? "(unnamed)"} failed to start: ${described(params.error)}`;
    default:
      return undefined;
  }
}

/** `{status: {type, error?}}`: "compaction: started", "compaction: failed — why". */
function compactionNotice(params: Json): string {
  const status = obj(params.status);
  const type = str(status.type) ?? str(params.status) ?? "update";
  const error = str(status.error);
  return `compaction: ${type}${error ? ` — ${error}` : ""}`;
}

/** Text a tool_call_chunk carries, if any: a string, or ACP tool content blocks. */
function chunkText(content: unknown): string | undefined {
  if (typeof content === "string") return content === "" ? undefined : content;
  if (!Array.isArray(content)) return undefined;
  const text = content
    .map((block) => str(obj(obj(block).content).text) ?? str(obj(block).text) ?? "")
    .join("");
  return text === "" ? undefined : text;
}

function described(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "no details given";
  return JSON.stringify(value);
}
