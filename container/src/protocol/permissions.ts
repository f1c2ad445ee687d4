/**
 * Kiro's permission requests (ACP `session/request_permission`) on the wire between the runner
 * and the Worker. Every request becomes a `permission` update event whose `data` is a
 * PermissionData. Under KIRO_TRUST=ask, for a run started with `ask_permissions`, the first event
 * of a request is `decision: "asked"` with a `key`: the request waits for a client's answer
 * (POST /runs/:id/permissions/:key with a PermissionAnswer) and a second event with the same key
 * records the decision — the client's, or the policy's after KIRO_PERMISSION_TIMEOUT_MS.
 */

/** The body of POST /runs/:id/permissions/:key. */
export interface PermissionAnswer {
  /** One of the `optionId`s Kiro offered; null dismisses the request (Kiro reads "cancelled"). */
  option_id: string | null;
}

/** One option Kiro offers (ACP PermissionOption). */
export interface PermissionOption {
  optionId: string;
  name: string;
  /** allow_once, allow_always, reject_once or reject_always. */
  kind: string;
}

/** The request as Kiro sent it (ACP RequestPermissionRequest), as far as both sides read it. */
export interface PermissionRequest {
  sessionId: string;
  toolCall: { toolCallId: string; title?: string | null; kind?: string | null };
  options: PermissionOption[];
}

/** The `data` of a `permission` update event. */
export interface PermissionData {
  request: PermissionRequest;
  /** `asked`: waiting for a client's answer; the others: how the request was answered. */
  decision: "asked" | "allowed" | "rejected";
  /** The option answered (null: none fitted, or the request was dismissed: "cancelled"). */
  optionId: string | null;
  /** KIRO_TRUST. */
  policy: string;
  /** Present when a client was asked: the key its answer goes to. Unique within the run. */
  key?: string | undefined;
  /** Who decided: the policy at once, the client, or the policy once nobody answered in time. */
  by?: "policy" | "client" | "timeout" | undefined;
}

/** Keys the runner mints for permission requests: what the answer route accepts. */
export const PERMISSION_KEY = /^permission-[1-9][0-9]{0,8}$/;
