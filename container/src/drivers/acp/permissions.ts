/**
 * Answers to `session/request_permission`, decided at once by KIRO_TRUST (nothing ever waits for
 * a human):
 *   all        → allow, preferring allow_always (the tool will not ask again) over allow_once
 *   read-only  → allow_once for read-like tool kinds (read, search, fetch, think), reject otherwise
 *   deny       → reject
 * Rejections prefer reject_once. When no offered option fits the decision the request is answered
 * `cancelled`, which kiro-cli treats as "not allowed".
 */
import type { RequestPermissionRequest, RequestPermissionResponse } from "@agentclientprotocol/sdk";
import type { TrustPolicy } from "../../config.ts";

const READ_LIKE_KINDS: ReadonlySet<string> = new Set(["read", "search", "fetch", "think"]);

export interface PermissionDecision {
  response: RequestPermissionResponse;
  allowed: boolean;
  /** For the `permission` update event: "🔒 allowed execute: Run npm test (KIRO_TRUST=all)". */
  text: string;
  /** The request and the answer, for the update event's data. */
  data: {
    request: RequestPermissionRequest;
    decision: "allowed" | "rejected";
    optionId: string | null;
    policy: TrustPolicy;
  };
}

export function decidePermission(policy: TrustPolicy, request: RequestPermissionRequest): PermissionDecision {
  const kind = request.toolCall.kind ?? "other";
  const allowed = policy === "all" || (policy === "read-only" && READ_LIKE_KINDS.has(kind));
  const preference = allowed
    ? policy === "all"
      ? ["allow_always", "allow_once"]
      : ["allow_once", "allow_always"]
    : ["reject_once", "reject_always"];
  const option = preference
    .map((wanted) => request.options.find((offered) => offered.kind === wanted))
    .find((offered) => offered !== undefined);
  const response: RequestPermissionResponse =
    option === undefined
      ? { outcome: { outcome: "cancelled" } }
      : { outcome: { outcome: "selected", optionId: option.optionId } };
  const decision = allowed ? "allowed" : "rejected";
  const title = request.toolCall.title ?? request.toolCall.toolCallId;
  return {
    response,
    allowed,
    text: `🔒 ${decision} ${kind}: ${title} (KIRO_TRUST=${policy}${option === undefined ? ", no matching option: cancelled" : ""})`,
    data: { request, decision, optionId: option?.optionId ?? null, policy },
  };
}
