import {
  mergeTurnMetadata,
  type RunEvent,
  splitUtf8,
  type TurnMetadata,
  turnMetadataOf,
  UPDATE_KINDS,
  type UpdateKind,
  utf8Bytes,
} from "../../container/src/protocol/index.ts";

/**
 * What a chunk holds: `text` is Kiro's answer, `stderr` kiro-cli's diagnostics (headless), the
 * rest are structured ACP updates (thoughts, tool calls, plans, usage, permission decisions).
 */
export type ChunkKind = "text" | "stderr" | UpdateKind;

export const CHUNK_KINDS: readonly ChunkKind[] = ["text", "stderr", ...UPDATE_KINDS];

/** Kinds whose consecutive events merge into one chunk: plain streams of text. */
const STREAM_KINDS: ReadonlySet<ChunkKind> = new Set(["text", "stderr", "thought"]);

export interface NewChunk {
  kind: ChunkKind;
  content: string;
  /** JSON of the update's structured payload, when it has one. */
  data: string | null;
  bytes: number;
  createdAt: number;
}

/**
 * Turns one batch of runner events into chunk rows: consecutive text of the same kind is
 * coalesced (fewer rows under a fast stream), structured updates stay one chunk each, and no
 * row's content exceeds `maxBytes`.
 */
export function chunksFromEvents(events: readonly RunEvent[], maxBytes: number): NewChunk[] {
  const chunks: NewChunk[] = [];
  let pending: { kind: ChunkKind; parts: string[]; at: number } | undefined;
  const flush = () => {
    if (!pending) return;
    for (const content of splitUtf8(pending.parts.join(""), maxBytes)) {
      if (content) chunks.push(chunk(pending.kind, content, null, pending.at));
    }
    pending = undefined;
  };
  for (const event of events) {
    if (event.type === "exit") continue;
    const kind: ChunkKind =
      event.type === "output" ? "text" : event.type === "stderr" ? "stderr" : event.kind;
    const data = event.type === "update" && event.data !== undefined ? JSON.stringify(event.data) : null;
    if (STREAM_KINDS.has(kind) && data === null) {
      if (pending?.kind !== kind) flush();
      pending ??= { kind, parts: [], at: event.at };
      pending.parts.push(event.text);
      continue;
    }
    flush();
    const [content = "", ...rest] = splitUtf8(event.text, maxBytes);
    chunks.push(chunk(kind, content, data, event.at));
    for (const more of rest) chunks.push(chunk(kind, more, null, event.at));
  }
  flush();
  return chunks;
}

function chunk(kind: ChunkKind, content: string, data: string | null, createdAt: number): NewChunk {
  return {
    kind,
    content,
    data,
    bytes: utf8Bytes(content) + (data === null ? 0 : utf8Bytes(data)),
    createdAt,
  };
}

/** What fits under a task's output cap, and the notice that marks the cut when something did not. */
export interface Capped {
  kept: NewChunk[];
  notice: NewChunk | undefined;
}

/**
 * Kiro's figures carried by a batch: the frames of its `_kiro.dev/metadata` (the `usage` updates
 * whose payload has them) merged in order, and the exit event's metadata last.
 */
export function metadataFromEvents(events: readonly RunEvent[]): TurnMetadata | undefined {
  let metadata: TurnMetadata | undefined;
  for (const event of events) {
    if (event.type === "update" && event.kind === "usage") {
      metadata = mergeTurnMetadata(metadata, turnMetadataOf(event.data));
    } else if (event.type === "exit") {
      metadata = mergeTurnMetadata(metadata, turnMetadataOf(event.metadata));
    }
  }
  return metadata;
}

/**
 * Keeps a task's stored output under `capBytes`: chunks past the cap are dropped, the one that
 * crosses it is cut, and a single `notice` chunk says so at the point of the cut.
 */
export function capChunks(chunks: readonly NewChunk[], usedBytes: number, capBytes: number): Capped {
  if (usedBytes >= capBytes) return { kept: [], notice: undefined };
  const kept: NewChunk[] = [];
  let used = usedBytes;
  for (const next of chunks) {
    if (used + next.bytes <= capBytes) {
      kept.push(next);
      used += next.bytes;
      continue;
    }
    const room = capBytes - used;
    const [head = ""] = next.data === null ? splitUtf8(next.content, Math.max(room, 1)) : [""];
    if (head && utf8Bytes(head) <= room) kept.push(chunk(next.kind, head, null, next.createdAt));
    const message = `Output truncated: this task stores at most ${capBytes} bytes (KIRO_MAX_TASK_OUTPUT_BYTES). Kiro keeps working; its later output is not stored.`;
    return { kept, notice: chunk("notice", message, null, next.createdAt) };
  }
  return { kept, notice: undefined };
}
