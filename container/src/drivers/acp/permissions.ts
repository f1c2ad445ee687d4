/**
 * Answers to `session/request_permission`. KIRO_TRUST decides at once:
 *   all        → allow, preferring allow_always (the tool will not ask again) over allow_once
 *   read-only  → allow_once for read-like tool kinds (read, search, fetch, think), reject otherwise
 *   deny       → reject
 *   ask        → a client answers (permission-prompts.ts); where none can, or none does in time,
 *                the read-only rule decides
 * Rejections prefer reject_once. When no offered option fits the decision the request is answered
 * `cancelled`, which kiro-cli treats as "not allowed". Every decision is also a `permission`
 * update event (protocol/permissions.ts) with a readable line.
 */
import type { RequestPermissionRequest, RequestPermissionResponse } from "@agentclientprotocol/sdk";
import type { TrustPolicy } from "../../config.ts";
import type { PermissionData, PermissionRequest } from "../../protocol/index.ts";

const READ_LIKE_KINDS: ReadonlySet<string> = new Set(["read", "search", "fetch", "think"]);

export interface PermissionDecision {
  response: RequestPermissionResponse;
  allowed: boolean;
  /** For the `permission` update event: "🔒 allowed execute: Run npm test (KIRO_TRUST=all)". */
  text: string;
  /** The request and the answer, for the update event's data. */
  data: PermissionData;
}

/** How a policy decision came about when `ask` could not ask, for the readable line. */
export type Fallback = { why: "no_client" } | { why: "timeout"; key: string; timeoutMs: number };

export function decidePermission(
  policy: TrustPolicy,
  request: RequestPermissionRequest,
  fallback?: Fallback,
): PermissionDecision {
  const kind = kindOf(request);
  const rule = policy === "ask" ? "read-only" : policy;
  const allowed = rule === "all" || (rule === "read-only" && READ_LIKE_KINDS.has(kind));
  const preference = allowed
    ? rule === "all"
      ? ["allow_always", "allow_once"]
      : ["allow_once", "allow_always"]
    : ["reject_once", "reject_always"];
  const option = preference
    .map((wanted) => request.options.find((offered) => offered.kind === wanted))
    .find((offered) => offered !== undefined);
  const decision = allowed ? "allowed" : "rejected";
  const notes = [`KIRO_TRUST=${policy}`];
  if (fallback?.why === "no_client") notes.push("no client can answer: read-only rule");
  if (fallback?.why === "timeout") notes.push(`no answer within ${fallback.timeoutMs} ms: read-only rule`);
  if (option === undefined) notes.push("no matching option: cancelled");
  return {
    response: responseFor(option?.optionId ?? null),
    allowed,
    text: `🔒 ${decision} ${kind}: ${titleOf(request)} (${notes.join(", ")})`,
    data: {
      request: request as PermissionRequest,
      decision,
      optionId: option?.optionId ?? null,
      policy,
      ...(fallback?.why === "timeout" && { key: fallback.key }),
      by: fallback?.why === "timeout" ? "timeout" : "policy",
    },
  };
}

/** The update for a request handed to the client: it waits under `key`. */
export function askedPermission(request: RequestPermissionRequest, key: string, timeoutMs: number) {
  const text = `🔒 Kiro asks to ${kindOf(request)}: ${titleOf(request)} — waiting up to ${timeoutMs} ms for the client's answer (KIRO_TRUST=ask)`;
  const data: PermissionData = {
    request: request as PermissionRequest,
    decision: "asked",
    optionId: null,
    policy: "ask",
    key,
  };
  return { text, data };
}

/** The client's answer: one of the offered options, or null to dismiss the request. */
export function answeredPermission(
  request: RequestPermissionRequest,
  key: string,
  optionId: string | null,
): PermissionDecision {
  const option = request.options.find((offered) => offered.optionId === optionId);
  const allowed = option?.kind.startsWith("allow") === true;
  const decision = allowed ? "allowed" : "rejected";
  const answer = option === undefined ? "dismissed" : option.name;
  return {
    response: responseFor(option?.optionId ?? null),
    allowed,
    text: `🔒 ${decision} ${kindOf(request)}: ${titleOf(request)} (answered by the client: ${answer})`,
    data: {
      request: request as PermissionRequest,
      decision,
      optionId: option?.optionId ?? null,
      policy: "ask",
      key,
      by: "client",
    },
  };
}

/** A request still waiting when its turn stopped or ended: dismissed, so kiro-cli reads "cancelled". */
export function dismissedPermission(request: RequestPermissionRequest, key: string): PermissionDecision {
  return {
    response: responseFor(null),
    allowed: false,
    text: `🔒 rejected ${kindOf(request)}: ${titleOf(request)} (the turn ended before the client answered)`,
    data: {
      request: request as PermissionRequest,
      decision: "rejected",
      optionId: null,
      policy: "ask",
      key,
      by: "policy",
    },
  };
}

function responseFor(optionId: string | null): RequestPermissionResponse {
  return optionId === null
    ? { outcome: { outcome: "cancelled" } }
    : { outcome: { outcome: "selected", optionId } };
}

function kindOf(request: RequestPermissionRequest): string {
  return request.toolCall.kind ?? "other";
}

function titleOf(request: RequestPermissionRequest): string {
  return request.toolCall.title ?? request.toolCall.toolCallId;
}
