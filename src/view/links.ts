/**
 * Short-lived signed links to a task's live view, so a browser can open it without a bearer
 * header. A link names the user and the task and expires; it is an HMAC-SHA256 under a key
 * derived from KIRO_RUNNER_SECRET, and grants nothing but reading that one task.
 */
const KEY_LABEL = "kiro-mcp-edge/task-view-link/v1";
/** How long a link returned by kiro_chat_async stays valid. */
export const VIEW_LINK_TTL_S = 3600;

export interface LinkParams {
  u: string;
  exp: string;
  sig: string;
}

async function signingKey(secret: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = await crypto.subtle.sign("HMAC", base, new TextEncoder().encode(KEY_LABEL));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function payload(userId: string, taskId: string, expires: number): Uint8Array {
  return new TextEncoder().encode(`${userId}\n${taskId}\n${expires}`);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** The query string of a view link for `taskId`, valid for VIEW_LINK_TTL_S. */
export async function signViewLink(
  secret: string,
  userId: string,
  taskId: string,
  nowMs = Date.now(),
): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + VIEW_LINK_TTL_S;
  const sig = hex(
    await crypto.subtle.sign("HMAC", await signingKey(secret), payload(userId, taskId, expires)),
  );
  return new URLSearchParams({ u: userId, exp: String(expires), sig }).toString();
}

/** The user a link speaks for, or undefined if it is forged, for another task, or expired. */
export async function verifyViewLink(
  secret: string,
  taskId: string,
  params: Partial<LinkParams>,
  nowMs = Date.now(),
): Promise<string | undefined> {
  const expires = Number(params.exp);
  const signature = unhex(params.sig ?? "");
  if (!params.u || !signature || !Number.isInteger(expires) || expires * 1000 < nowMs) return undefined;
  const valid = await crypto.subtle.verify(
    "HMAC",
    await signingKey(secret),
    signature,
    payload(params.u, taskId, expires),
  );
  return valid ? params.u : undefined;
}
