/**
 * Signing in with a `kiro_` token pasted into the page: the same check /mcp makes of a bearer
 * token (by its SHA-256, through the TokenRegistry), so an operator-issued token can sign its user
 * in and authorize any number of OAuth clients. Unknown, malformed and revoked tokens get one
 * identical refusal.
 */
import { tokenRegistry } from "../auth/authenticate.ts";
import { verifiedTokens } from "../auth/token-cache.ts";
import { hashToken, looksLikeToken } from "../auth/tokens.ts";

/** The one refusal for any token that does not sign anyone in. */
export const TOKEN_REFUSED = "That token is not valid: it is unknown, mistyped or revoked.";

/** The token's user and id, or undefined when it signs nobody in. */
export async function userOfToken(
  env: Env,
  token: string,
): Promise<{ userId: string; credentialId: string } | undefined> {
  const trimmed = token.trim();
  // Hashed either way, so a malformed token takes as long as a well-formed unknown one.
  const hash = await hashToken(trimmed);
  if (!looksLikeToken(trimmed)) return undefined;
  const registry = tokenRegistry(env);
  const found = await verifiedTokens.verify(hash, (h) => registry.verify(h));
  return found ? { userId: found.userId, credentialId: found.tokenId } : undefined;
}
