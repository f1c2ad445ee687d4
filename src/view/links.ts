/**
 * Short-lived signed links to a task's live view, so a browser can open it without a bearer
 * header. A link names the user, the credential it was made under (a token id, or "local" in
 * local mode) and the task, and expires; it is an HMAC-SHA-256 under a key derived from
 * KIRO_SECRETS_KEY, which no runner or container ever sees. It grants nothing but reading that
 * one task, and only while its credential is still live (routes.ts checks).
 */
import { viewLinkKey } from "../secrets/keys.ts";

/** How long a link returned by kiro_chat_async stays valid. */
export const VIEW_LINK_TTL_S = 3600;

export interface LinkParams {
  /** The user. */
  u: string;
  /** The credential the link was made under: a token id, or "local". */
  t: string;
  exp: string;
  sig: string;
}

/** Who a valid link speaks for. */
export interface LinkHolder {
  userId: string;
  credentialId: string;
}

function payload(holder: LinkHolder, taskId: string, expires: number): Uint8Array {
  return new TextEncoder().encode(`${holder.userId}\n${holder.credentialId}\n${taskId}\n${expires}`);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** The query string of a view link for `taskId`, valid for VIEW_LINK_TTL_S. `master`: KIRO_SECRETS_KEY. */
export async function signViewLink(
  master: string,
  holder: LinkHolder,
  taskId: string,
  nowMs = Date.now(),
): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + VIEW_LINK_TTL_S;
  const sig = hex(
    await crypto.subtle.sign("HMAC", await viewLinkKey(master), payload(holder, taskId, expires)),
  );
  return new URLSearchParams({
    u: holder.userId,
    t: holder.credentialId,
    exp: String(expires),
    sig,
  }).toString();
}

/** Who a link speaks for, or undefined if it is forged, for another task, or expired. */
export async function verifyViewLink(
  master: string,
  taskId: string,
  params: Partial<LinkParams>,
  nowMs = Date.now(),
): Promise<LinkHolder | undefined> {
  const expires = Number(params.exp);
  const signature = unhex(params.sig ?? "");
  if (!params.u || !params.t || !signature || !Number.isInteger(expires) || expires * 1000 < nowMs) {
    return undefined;
  }
  const holder = { userId: params.u, credentialId: params.t };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await viewLinkKey(master),
    signature,
    payload(holder, taskId, expires),
  );
  return valid ? holder : undefined;
}
