/**
 * Short readable renderings of ACP payloads for update events' `text`. Payloads come from
 * kiro-cli as plain JSON and are read defensively: a missing or oddly typed field is left out
 * of the rendering, never an error.
 */

export type Json = Record<string, unknown>;

/** `value` as an object, or an empty one. */
export function obj(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** "path:line, path" from a tool call's locations. */
function paths(locations: unknown): string {
  return list(locations)
    .map((location) => {
      const { path, line } = obj(location);
      if (typeof path !== "string") return "";
      return typeof line === "number" ? `${path}:${line}` : path;
    })
    .filter((path) => path !== "")
    .join(", ");
}

/** "⚙ Read file [read] (pending) src/app.ts:1": title, kind, status, locations, each if present. */
export function renderToolCall(call: Json, knownTitle?: string): string {
  const title = str(call.title) ?? knownTitle ?? str(call.toolCallId) ?? "tool";
  const kind = str(call.kind);
  const status = str(call.status);
  const where = paths(call.locations);
  return ["⚙", title, kind && `[${kind}]`, status && `(${status})`, where].filter(Boolean).join(" ");
}

const PLAN_MARKS: Record<string, string> = { completed: "[x]", in_progress: "[~]", pending: "[ ]" };

/** The plan as a checklist, one entry per line: [x] done, [~] in progress, [ ] pending. */
export function renderPlan(plan: Json): string {
  const lines = list(plan.entries).map((entry) => {
    const { content, status } = obj(entry);
    return `${PLAN_MARKS[str(status) ?? "pending"] ?? "[ ]"} ${str(content) ?? ""}`;
  });
  return lines.length === 0 ? "plan: (empty)" : lines.join("\n");
}

/** "context: 1200 of 200000 tokens (0.6%) · 0.02 USD". */
export function renderUsage(usage: Json): string {
  const used = num(usage.used);
  const size = num(usage.size);
  const parts: string[] = [];
  if (used !== undefined && size !== undefined && size > 0) {
    parts.push(`context: ${used} of ${size} tokens (${((used / size) * 100).toFixed(1)}%)`);
  }
  const cost = obj(usage.cost);
  if (num(cost.amount) !== undefined) parts.push(`${num(cost.amount)} ${str(cost.currency) ?? ""}`.trim());
  return parts.length === 0 ? "usage" : parts.join(" · ");
}

/** Kiro's `_kiro.dev/metadata`: "context 12.5% · 0.21 credits · 8.0 s · effort high". */
export function renderMetadata(metadata: Json): string {
  const parts: string[] = [];
  const context = num(metadata.contextUsagePercentage);
  if (context !== undefined) parts.push(`context ${context}%`);
  const metering = list(metadata.meteringUsage).map(obj);
  if (metering.length > 0) {
    const total = metering.reduce((sum, entry) => sum + (num(entry.value) ?? 0), 0);
    const unit = str(metering[0]?.unitPlural) ?? str(metering[0]?.unit) ?? "credits";
    parts.push(`${Number(total.toFixed(4))} ${unit}`);
  }
  const duration = num(metadata.turnDurationMs);
  if (duration !== undefined) parts.push(`${(duration / 1000).toFixed(1)} s`);
  const effort = str(metadata.effort);
  if (effort !== undefined) parts.push(`effort ${effort}`);
  return parts.length === 0 ? "kiro metadata" : parts.join(" · ");
}

/**
 * A JSON-RPC error from kiro-cli in words: its message, and its data when that is text. kiro-cli
 * often answers -32603 "Internal error" and says what went wrong only in data ("Failed to start
 * session: …", "Encountered an error in the response stream: …").
 */
export function renderRequestError(error: { message: string; data?: unknown }): string {
  const data = typeof error.data === "string" ? error.data.trim() : "";
  if (data === "" || error.message.includes(data)) return error.message;
  return `${error.message}: ${data}`;
}

/** A notice or compaction update: "warning: title — description" or "compaction: status". */
export function renderNotice(update: Json): string {
  if (str(update.sessionUpdate) === "notice") {
    const description = str(update.description);
    return `${str(update.severity) ?? "info"}: ${str(update.title) ?? ""}${description ? ` — ${description}` : ""}`;
  }
  return `compaction: ${str(update.status) ?? str(obj(update.compaction).status) ?? "update"}`;
}
