/**
 * What one ACP turn's notifications become: `agent_message_chunk` text is the answer (`output`),
 * everything else an `update` event with a readable text and the payload as received.
 *
 *   agent_thought_chunk → thought          tool_call / tool_call_update → same names
 *   plan → plan (a checklist)              usage_update → usage
 *   _kiro.dev/metadata → usage, and the latest frame goes on the exit event
 *   notice, compaction_update, _kiro.dev/compaction/status → notice
 *   user_message_chunk (kiro-cli echoing the prompt), available_commands_update and
 *   _kiro.dev/commands/available (session-level command lists) → nothing
 *   anything else, including methods and update kinds this runner does not know → unknown
 */

import { wellFormed } from "../../text/well-formed.ts";
import type { TurnSink } from "../driver.ts";
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

const QUIET_METHODS: ReadonlySet<string> = new Set(["_kiro.dev/commands/available"]);
const QUIET_UPDATES: ReadonlySet<string> = new Set(["user_message_chunk", "available_commands_update"]);

/** Whether Kiro's metadata for the turn has come: none yet, interim frames, or the final one. */
export type MetadataState = "none" | "interim" | "final";

/** The part of the turn's sink the notifications write to. */
type UpdateSink = Pick<TurnSink, "output" | "update" | "metadata">;

export class AcpUpdateMapper {
  readonly #sink: UpdateSink;
  readonly #toolTitles = new Map<string, string>();
  #metadataState: MetadataState = "none";
  #onFinalMetadata: (() => void) | undefined;

  constructor(sink: UpdateSink) {
    this.#sink = sink;
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

  /** Handles one notification that belongs to the turn. */
  notification(method: string, params: unknown): void {
    if (method === "session/update") this.#sessionUpdate(obj(obj(params).update));
    else if (method === "_kiro.dev/metadata") this.#metadata(obj(params));
    else if (method === "_kiro.dev/compaction/status") {
      this.#sink.update("notice", renderNotice({ status: obj(params).status }), params);
    } else if (!QUIET_METHODS.has(method)) this.#sink.update("unknown", method, params);
  }

  #sessionUpdate(update: Json): void {
    const kind = str(update.sessionUpdate) ?? "";
    switch (kind) {
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
    } else {
      this.#sink.update("thought", wellFormed(text));
    }
  }

  #toolCall(kind: "tool_call" | "tool_call_update", update: Json): void {
    const id = str(update.toolCallId);
    const title = str(update.title);
    if (id !== undefined && title !== undefined) this.#toolTitles.set(id, title);
    const known = id === undefined ? undefined : this.#toolTitles.get(id);
    this.#sink.update(kind, renderToolCall(update, known), update);
  }

  #metadata(params: Json): void {
    const { sessionId: _, ...metadata } = params;
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
