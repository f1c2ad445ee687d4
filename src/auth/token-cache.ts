/**
 * What this isolate heard from the TokenRegistry object, remembered for TOKEN_CACHE_MS so that a
 * request does not ask it every time: one Durable Object hop fewer on every MCP call and every
 * live-view poll. Three answers are remembered: which user a verified token is (by the token's
 * SHA-256), whose a live token id is (for view links), and whether tokens are required (local mode).
 *
 * A cache, never the source of truth. Only answers that let a request through are remembered for
 * tokens; unknown, malformed and revoked ones are asked about every time, so every refusal is the
 * registry's own (and identical, whoever the token names). A revoked token is refused by every
 * isolate within TOKEN_CACHE_MS, and at once by the isolate that revoked it (`forget`). "No tokens
 * required" admits only loopback requests from this machine, which a deployed Worker never
 * receives; creating a token (`tokenAdded`) ends it at once in that isolate. Lookups by hash reveal nothing about a
 * 256-bit token. Each map holds at most MAX_CACHED_TOKENS entries, the oldest dropped first.
 */

/** How long a verified token is trusted without asking again: revocation takes at most this long. */
export const TOKEN_CACHE_MS = 10_000;
/** Distinct tokens remembered per isolate; more than any deployment's live users at once. */
const MAX_CACHED_TOKENS = 1_000;

export interface VerifiedToken {
  userId: string;
  tokenId: string;
}

interface Remembered<T> {
  value: T;
  until: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Remembered<VerifiedToken>>();
  readonly #liveUsers = new Map<string, Remembered<string>>();
  #tokensRequired: Remembered<boolean> | undefined;
  readonly #now: () => number;
  /** Bumped by every change heard of here: an answer asked for before it is not remembered. */
  #generation = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The user of the token with SHA-256 `hash`: remembered, or asked of `verify` (null: refused). */
  async verify(
    hash: string,
    verify: (hash: string) => Promise<VerifiedToken | null>,
  ): Promise<VerifiedToken | null> {
    const hit = this.#fresh(this.#entries, hash);
    if (hit) return { ...hit };
    const generation = this.#generation;
    const found = await verify(hash);
    if (found && generation === this.#generation) this.#remember(this.#entries, hash, { ...found });
    return found;
  }

  /** The user of live token `tokenId`: remembered, or asked of `lookup` (null: revoked or unknown). */
  async liveUser(
    tokenId: string,
    lookup: (tokenId: string) => Promise<string | null>,
  ): Promise<string | null> {
    const hit = this.#fresh(this.#liveUsers, tokenId);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const userId = await lookup(tokenId);
    if (userId !== null && generation === this.#generation) this.#remember(this.#liveUsers, tokenId, userId);
    return userId;
  }

  /** Whether tokens are required (else: local mode): remembered, or asked of `required`. */
  async tokensRequired(required: () => Promise<boolean>): Promise<boolean> {
    const known = this.#tokensRequired;
    if (known && known.until > this.#now()) return known.value;
    const generation = this.#generation;
    const exist = await required();
    if (generation === this.#generation)
      this.#tokensRequired = { value: exist, until: this.#now() + TOKEN_CACHE_MS };
    return exist;
  }

  /** A token was created, or the mode set, here: the change holds at once in this isolate. */
  tokenAdded(): void {
    this.#generation++;
    this.#tokensRequired = undefined;
  }

  /** Forgets a token (it was just revoked here), and any answer about it still in flight. */
  forget(tokenId: string): void {
    this.#generation++;
    this.#tokensRequired = undefined;
    this.#liveUsers.delete(tokenId);
    for (const [hash, entry] of this.#entries)
      if (entry.value.tokenId === tokenId) this.#entries.delete(hash);
  }

  get size(): number {
    return this.#entries.size;
  }

  #fresh<T>(map: Map<string, Remembered<T>>, key: string): T | undefined {
    const hit = map.get(key);
    if (hit && hit.until > this.#now()) return hit.value;
    map.delete(key);
    return undefined;
  }

  #remember<T>(map: Map<string, Remembered<T>>, key: string, value: T): void {
    if (map.size >= MAX_CACHED_TOKENS) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, { value, until: this.#now() + TOKEN_CACHE_MS });
  }
}

/** This isolate's cache (module scope on purpose: it lives as long as the isolate, and only caches). */
export const verifiedTokens = new TokenCache();
