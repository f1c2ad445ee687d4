/**
 * Bounding the JSON payload of an update event: readers store events as rows, so a payload is
 * kept whole up to MAX_UPDATE_DATA_BYTES serialized and otherwise replaced by a summary of its
 * shape, with a notice saying so. The text rendering of the update is kept either way.
 */
/** Largest serialized `data` of one update event. */
export const MAX_UPDATE_DATA_BYTES = 64 * 1024;

export interface BoundedPayload {
  data: unknown;
  /** Serialized size of what is kept. */
  bytes: number;
  /** Set when the payload was summarized. */
  notice?: string | undefined;
}

/** `what` names the payload in the notice, e.g. "tool_call_update". */
export function boundPayload(data: unknown, what: string, maxBytes = MAX_UPDATE_DATA_BYTES): BoundedPayload {
  if (data === undefined) return { data: undefined, bytes: 0 };
  const serialized = JSON.stringify(data) ?? "null";
  const bytes = Buffer.byteLength(serialized, "utf8");
  if (bytes <= maxBytes) return { data, bytes };
  const summary = { truncated: true, bytes, ...identity(data) };
  return {
    data: summary,
    bytes: Buffer.byteLength(JSON.stringify(summary), "utf8"),
    notice: `the ${what} payload was ${bytes} bytes; only a summary was kept (limit ${maxBytes})`,
  };
}

/** The fields that say what a payload was about: its update kind, tool call, title and status. */
function identity(data: unknown): Record<string, unknown> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return {};
  const kept: Record<string, unknown> = {};
  for (const key of ["sessionUpdate", "toolCallId", "title", "kind", "status", "method"]) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value === "string") kept[key] = value.slice(0, 200);
  }
  return kept;
}
