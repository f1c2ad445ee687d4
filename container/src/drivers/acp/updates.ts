/**
 * What one ACP turn's notifications become: `agent_message_chunk` text is the answer (`output`),
 * everything else an `update` event with a readable text and the payload as received.
 *
 *   agent_thought_chunk → thought          tool_call / tool_call_update → same names
 *   plan → plan (a checklist)              usage_update → usage
 *   _kiro.dev/metadata → usage (frames that carry figures), and the turn's metadata, merged
 *   notice, compaction_update, retry_warning → notice
 *   Kiro's other extensions (`_kiro.dev/…`) → see acp/kiro-notifications.ts
 *   user_message_chunk (kiro-cli echoing the prompt), available_commands_update → nothing
 *   anything else, including methods and update kinds this runner does not know → unknown
 *
 * One answer chunk that is exactly Kiro's "Tool uses were interrupted, waiting for the next user
 * prompt" (after a security filter stopped a tool call; surrounding whitespace aside, never a
 * quote inside prose) is still answer text, and tells the turn that no answer to its prompt will
 * come. Notifications of a subagent's session (`own` false) are not the turn's answer: only its
 * rate limits and retry warnings get through.
 */

import { wellFormed } from "../../text/well-formed.ts";
import type { TurnSink } from "../driver.ts";
import { KiroNotifications, type TurnSignals } from "./kiro-notifications.ts";
import {
  type Json,
  obj,
  renderMetadata,
  renderNotice,
  renderPlan,
  renderToolCall,
  renderUsage,
  str,
} from "./render.ts";

/** What kiro-cli writes as the whole answer chunk when it abandons the prompt. */
export const TOOL_USES_INTERRUPTED = "Tool uses were interrupted, waiting for the next user prompt";

const QUIET_UPDATES: ReadonlySet<string> = new Set(["user_message_chunk", "available_commands_update"]);
const METADATA_FIELDS = ["contextUsagePercentage", "meteringUsage", "turnDurationMs", "effort"] as const;

/** Whether Kiro's metadata for the turn has come: none yet, interim frames, or the final one. */
export type MetadataState = "none" | "interim" | "final";

/** The part of the turn's sink the notifications write to. */
type UpdateSink = Pick<TurnSink, "output" | "update" | "metadata">;

/** What the turn learns from the notifications besides what goes to its sink. */
export interface MapperSignals extends TurnSignals {
  /** Kiro abandoned the prompt ("Tool uses were interrupted…"). */
  interrupted(): void;
}

export class AcpUpdateMapper {
  readonly #sink: UpdateSink;
  readonly #signals: MapperSignals;
  readonly #kiro: KiroNotifications;
  readonly #toolTitles = new Map<string, string>();
  readonly #shownToolCalls = new Set<string>();
  #metadataState: MetadataState = "none";
  #onFinalMetadata: (() => void) | undefined;

  constructor(sink: UpdateSink, signals: MapperSignals) {
    this.#sink = sink;
    this.#signals = signals;
    this.#kiro = new KiroNotifications(sink, signals, this.#shownToolCalls);
  }

  get metadataState(): MetadataState {
    return this.#metadataState;
  }

  /** Resolves when the final metadata frame (the one with turnDurationMs) arrives. */
  finalMetadata(): Promise<void> {
    if (this.#metadataState === "final") return Promise.resolve();
    return new Promise((resolve) => {
      this.#onFinalMetadata = resolve;
    });
  }

  /** Handles one notification of the turn's process; `own` is false for another ACP session's. */
  notification(method: string, params: unknown, own = true): void {
    const body = obj(params);
    if (method === "session/update") this.#sessionUpdate(obj(body.update), own);
    else if (method === "_kiro.dev/metadata") {
      if (own) this.#metadata(body);
    } else if (method.startsWith("_kiro.dev/")) this.#kiro.handle(method, body, own);
    else if (own) this.#sink.update("unknown", method, params);
  }

  #sessionUpdate(update: Json, own: boolean): void {
    const kind = str(update.sessionUpdate) ?? "";
    if (kind === "retry_warning") this.#kiro.retryWarning(update, own);
    if (!own) return;
    switch (kind) {
      case "retry_warning":
        break;
      case "agent_message_chunk":
      case "agent_thought_chunk":
        this.#chunk(kind, update);
        break;
      case "tool_call":
      case "tool_call_update":
        this.#toolCall(kind, update);
        break;
      case "plan":
        this.#sink.update("plan", renderPlan(update), update);
        break;
      case "usage_update":
        this.#sink.update("usage", renderUsage(update), update);
        break;
      case "notice":
      case "compaction_update":
        this.#sink.update("notice", renderNotice(update), update);
        break;
      default:
        if (!QUIET_UPDATES.has(kind))
          this.#sink.update("unknown", `session/update ${kind || "(no kind)"}`, update);
    }
  }

  /** Text chunks: the answer or a thought. Other content (images, links) is kept as unknown. */
  #chunk(kind: "agent_message_chunk" | "agent_thought_chunk", update: Json): void {
    const content = obj(update.content);
    const text = str(content.text);
    if (str(content.type) !== "text" || text === undefined) {
      this.#sink.update("unknown", `${kind} (${str(content.type) ?? "no content"})`, update);
    } else if (kind === "agent_message_chunk") {
      this.#sink.output(wellFormed(text));
      if (text.trim() === TOOL_USES_INTERRUPTED) this.#signals.interrupted();
    } else {
      this.#sink.update("thought", wellFormed(text));
    }
  }

  #toolCall(kind: "tool_call" | "tool_call_update", update: Json): void {
    const id = str(update.toolCallId);
    const title = str(update.title);
    if (id !== undefined && title !== undefined) this.#toolTitles.set(id, title);
    if (id !== undefined) this.#shownToolCalls.add(id);
    const known = id === undefined ? undefined : this.#toolTitles.get(id);
    this.#sink.update(kind, renderToolCall(update, known), update);
  }

  /** Kiro 2.x also sends bare `{sessionId}` frames as keep-alives: they carry nothing to show. */
  #metadata(params: Json): void {
    const { sessionId: _, ...metadata } = params;
    if (!METADATA_FIELDS.some((field) => metadata[field] !== undefined)) return;
    this.#sink.metadata(metadata);
    this.#sink.update("usage", renderMetadata(metadata), params);
    if (typeof metadata.turnDurationMs !== "number") {
      if (this.#metadataState === "none") this.#metadataState = "interim";
      return;
    }
    this.#metadataState = "final";
    this.#onFinalMetadata?.();
  }
}
