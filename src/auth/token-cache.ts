/**
 * Verified bearer tokens, remembered by this isolate for TOKEN_CACHE_MS so that a request does not
 * ask the TokenRegistry object every time: one Durable Object hop fewer on every MCP call.
 *
 * A cache, never the source of truth. Only tokens the registry verified are remembered; unknown,
 * malformed and revoked tokens are asked about every time, so every refusal is the registry's own
 * (and identical, whoever the token names). A revoked token is refused by every isolate within
 * TOKEN_CACHE_MS, and at once by the isolate that revoked it (`forget`). Entries are keyed by the
 * token's SHA-256 (a lookup by hash reveals nothing about a 256-bit token), and there are at most
 * MAX_CACHED_TOKENS of them, the oldest dropped first.
 */

/** How long a verified token is trusted without asking again: revocation takes at most this long. */
export const TOKEN_CACHE_MS = 10_000;
/** Distinct tokens remembered per isolate; more than any deployment's live users at once. */
const MAX_CACHED_TOKENS = 1_000;

export interface VerifiedToken {
  userId: string;
  tokenId: string;
}

export class TokenCache {
  readonly #entries = new Map<string, VerifiedToken & { until: number }>();
  readonly #now: () => number;
  /** Bumped by every `forget`: a verification that began before it is not remembered. */
  #generation = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The user of the token with SHA-256 `hash`: remembered, or asked of `verify` (null: refused). */
  async verify(
    hash: string,
    verify: (hash: string) => Promise<VerifiedToken | null>,
  ): Promise<VerifiedToken | null> {
    const hit = this.#entries.get(hash);
    if (hit && hit.until > this.#now()) return { userId: hit.userId, tokenId: hit.tokenId };
    this.#entries.delete(hash);
    const generation = this.#generation;
    const found = await verify(hash);
    if (found && generation === this.#generation) this.#remember(hash, found);
    return found;
  }

  /** Forgets a token (it was just revoked here), and any verification of it still in flight. */
  forget(tokenId: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#entries) if (entry.tokenId === tokenId) this.#entries.delete(hash);
  }

  get size(): number {
    return this.#entries.size;
  }

  #remember(hash: string, found: VerifiedToken): void {
    if (this.#entries.size >= MAX_CACHED_TOKENS) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(hash, {
      userId: found.userId,
      tokenId: found.tokenId,
      until: this.#now() + TOKEN_CACHE_MS,
    });
  }
}

/** This isolate's cache (module scope on purpose: it lives as long as the isolate, and only caches). */
export const verifiedTokens = new TokenCache();
