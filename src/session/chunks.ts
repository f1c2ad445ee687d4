import type { RunEvent } from "../runner/client.ts";
import { splitUtf8, utf8Bytes } from "../util/utf8.ts";

/** What a chunk holds: `text` is kiro-cli's answer (stdout), `stderr` its diagnostics. */
export type ChunkKind = "text" | "stderr";

export interface NewChunk {
  kind: ChunkKind;
  content: string;
  bytes: number;
  createdAt: number;
}

/**
 * Turns one batch of runner events into chunk rows: consecutive events of the same kind are
 * coalesced (fewer rows under a fast stream) and no row exceeds `maxBytes`.
 */
export function chunksFromEvents(events: readonly RunEvent[], maxBytes: number): NewChunk[] {
  const chunks: NewChunk[] = [];
  let kind: ChunkKind | undefined;
  let parts: string[] = [];
  let createdAt = 0;
  const flush = () => {
    if (kind === undefined || parts.length === 0) return;
    for (const content of splitUtf8(parts.join(""), maxBytes)) {
      if (content) chunks.push({ kind, content, bytes: utf8Bytes(content), createdAt });
    }
    parts = [];
  };
  for (const event of events) {
    if (event.type === "exit") continue;
    const eventKind: ChunkKind = event.type === "output" ? "text" : "stderr";
    if (eventKind !== kind) {
      flush();
      kind = eventKind;
      createdAt = event.at;
    }
    parts.push(event.text);
  }
  flush();
  return chunks;
}
