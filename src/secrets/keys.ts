/**
 * Keys derived from KIRO_SECRETS_KEY, a Worker secret that no runner or container ever receives.
 * HKDF-SHA-256 with a distinct label per use, so no derived key opens anything meant for another:
 * - one AES-GCM key per user for the secrets that user stores (the user id is the HKDF info);
 * - the HMAC key that signs live-view links;
 * - the HMAC key that signs browser sign-in cookies (src/web/browser-session.ts);
 * - the HMAC key of the live view's CSRF tokens for signed links and bearer tokens (src/web/csrf.ts).
 */

/** Shortest master key accepted: `openssl rand -hex 32` gives 64 characters. */
export const MIN_MASTER_KEY_CHARS = 32;

const USER_SECRETS_SALT = "kiro-mcp-edge/user-secrets/v1";
const VIEW_LINK_SALT = "kiro-mcp-edge/task-view-link/v2";
const BROWSER_SESSION_SALT = "kiro-mcp-edge/browser-session/v1";
const CSRF_SALT = "kiro-mcp-edge/csrf/v1";

const encoder = new TextEncoder();

/** The master key, or undefined when KIRO_SECRETS_KEY is unset or too short to be one. */
export function masterKey(env: Pick<Env, "KIRO_SECRETS_KEY">): string | undefined {
  const value = env.KIRO_SECRETS_KEY?.trim() ?? "";
  return value.length >= MIN_MASTER_KEY_CHARS ? value : undefined;
}

async function hkdfBase(master: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(master), "HKDF", false, ["deriveKey"]);
}

function hkdf(salt: string, info: string) {
  return { name: "HKDF", hash: "SHA-256", salt: encoder.encode(salt), info: encoder.encode(info) };
}

/** The AES-256-GCM key for `userId`'s stored secrets. */
export async function userSecretsKey(master: string, userId: string): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    hkdf(USER_SECRETS_SALT, userId),
    await hkdfBase(master),
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The HMAC-SHA-256 key live-view links are signed with. */
export function viewLinkKey(master: string): Promise<CryptoKey> {
  return hmacKey(master, VIEW_LINK_SALT, "view");
}

/** The HMAC-SHA-256 key browser sign-in cookies and their CSRF tokens are signed with. */
export function browserSessionKey(master: string): Promise<CryptoKey> {
  return hmacKey(master, BROWSER_SESSION_SALT, "browser");
}

/** The HMAC-SHA-256 key of CSRF tokens bound to a signed view link or a bearer token. */
export function csrfKey(master: string): Promise<CryptoKey> {
  return hmacKey(master, CSRF_SALT, "csrf");
}

async function hmacKey(master: string, salt: string, info: string): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    hkdf(salt, info),
    await hkdfBase(master),
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}
