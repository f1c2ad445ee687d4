/**
 * Bearer tokens: `kiro_` followed by 43 base64url characters (256 random bits). Only the SHA-256
 * of a token is stored or compared; a token's id (`tok_…`) names it for listing and revoking.
 */
export const TOKEN_PREFIX = "kiro_";
const TOKEN_PATTERN = /^kiro_[A-Za-z0-9_-]{43}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
export const USER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const TOKEN_ID_PATTERN = /^tok_[a-z0-9]{16}$/;

export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function isTokenHash(value: string): boolean {
  return HASH_PATTERN.test(value);
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function newTokenId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `tok_${[...bytes].map((byte) => "abcdefghijklmnopqrstuvwxyz234567"[byte & 31]).join("")}`;
}

/** Compares two secrets in constant time (over their hashes, so lengths leak nothing either). */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [left, right] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(left, right);
}
