/**
 * The isolate's cache of the TokenRegistry's answers: it spares the registry a request per call,
 * trusts an answer for TOKEN_CACHE_MS at most, never remembers a refusal, and forgets a revoked
 * token at once (also one whose verification was in flight when it was revoked); a token created
 * here ends local mode here at once. Its clock is the test's.
 */
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_MS, TokenCache, type VerifiedToken } from "../../src/auth/token-cache.ts";

const ALICE: VerifiedToken = { userId: "alice", tokenId: "tok_alice" };

/** A registry that answers from `live` and counts the questions it was asked. */
function registry(live: Map<string, VerifiedToken>) {
  const asked: string[] = [];
  return {
    asked,
    verify: async (hash: string) => {
      asked.push(hash);
      return live.get(hash) ?? null;
    },
  };
}

describe("TokenCache", () => {
  it("asks the registry once per token within TOKEN_CACHE_MS, then again", async () => {
    let clock = 1_000;
    const cache = new TokenCache(() => clock);
    const source = registry(new Map([["h-alice", ALICE]]));
    for (let i = 0; i < 5; i++) expect(await cache.verify("h-alice", source.verify)).toEqual(ALICE);
    expect(source.asked).toEqual(["h-alice"]);
    clock += TOKEN_CACHE_MS - 1;
    await cache.verify("h-alice", source.verify);
    expect(source.asked).toHaveLength(1);
    clock += 1;
    await cache.verify("h-alice", source.verify);
    expect(source.asked).toHaveLength(2);
  });

  it("never remembers a refusal: a token the registry does not know is asked about every time", async () => {
    const cache = new TokenCache(() => 0);
    const source = registry(new Map());
    for (let i = 0; i < 3; i++) expect(await cache.verify("h-unknown", source.verify)).toBeNull();
    expect(source.asked).toEqual(["h-unknown", "h-unknown", "h-unknown"]);
    expect(cache.size).toBe(0);
  });

  it("refuses a token revoked in another isolate once TOKEN_CACHE_MS has passed", async () => {
    let clock = 0;
    const cache = new TokenCache(() => clock);
    const live = new Map([["h-alice", ALICE]]);
    const source = registry(live);
    await cache.verify("h-alice", source.verify);
    live.delete("h-alice"); // revoked elsewhere: this isolate has not heard
    expect(await cache.verify("h-alice", source.verify)).toEqual(ALICE);
    clock += TOKEN_CACHE_MS;
    expect(await cache.verify("h-alice", source.verify)).toBeNull();
  });

  it("forgets a token revoked here at once, and does not remember a verification in flight", async () => {
    const cache = new TokenCache(() => 0);
    const live = new Map([["h-alice", ALICE]]);
    const source = registry(live);
    await cache.verify("h-alice", source.verify);
    cache.forget(ALICE.tokenId);
    live.delete("h-alice");
    expect(await cache.verify("h-alice", source.verify)).toBeNull();

    // A verification that read the registry before a revoke and returns after it.
    live.set("h-alice", ALICE);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = cache.verify("h-alice", async (hash) => {
      const answer = live.get(hash) ?? null;
      await gate;
      return answer;
    });
    cache.forget(ALICE.tokenId);
    live.delete("h-alice");
    release();
    expect(await inFlight).toEqual(ALICE); // that request was already under way
    expect(cache.size).toBe(0);
    expect(await cache.verify("h-alice", source.verify)).toBeNull();
  });

  it("holds at most 1,000 tokens, dropping the oldest first", async () => {
    const cache = new TokenCache(() => 0);
    const verify = async (hash: string) => ({ userId: hash, tokenId: `tok_${hash}` });
    for (let i = 0; i < 1_005; i++) await cache.verify(`h${i}`, verify);
    expect(cache.size).toBe(1_000);
    const source = registry(new Map());
    await cache.verify("h0", source.verify);
    await cache.verify("h1004", source.verify);
    expect(source.asked).toEqual(["h0"]);
  });

  it("remembers a live token id's user for view links, never a revoked one, and forgets on revoke", async () => {
    let clock = 0;
    const cache = new TokenCache(() => clock);
    const live = new Map([["tok_a", "alice"]]);
    const asked: string[] = [];
    const lookup = async (id: string) => {
      asked.push(id);
      return live.get(id) ?? null;
    };
    expect(await cache.liveUser("tok_a", lookup)).toBe("alice");
    expect(await cache.liveUser("tok_a", lookup)).toBe("alice");
    expect(await cache.liveUser("tok_gone", lookup)).toBeNull();
    expect(await cache.liveUser("tok_gone", lookup)).toBeNull();
    expect(asked).toEqual(["tok_a", "tok_gone", "tok_gone"]);
    live.delete("tok_a");
    cache.forget("tok_a");
    expect(await cache.liveUser("tok_a", lookup)).toBeNull();
    clock += TOKEN_CACHE_MS;
    expect(asked).toHaveLength(4);
  });

  it("remembers whether tokens are required, and a change made here holds at once", async () => {
    let clock = 0;
    const cache = new TokenCache(() => clock);
    let required = false;
    let asked = 0;
    const ask = async () => {
      asked++;
      return required;
    };
    expect(await cache.tokensRequired(ask)).toBe(false);
    expect(await cache.tokensRequired(ask)).toBe(false);
    expect(asked).toBe(1);
    required = true; // a token created in another isolate: this one hears within TOKEN_CACHE_MS
    expect(await cache.tokensRequired(ask)).toBe(false);
    clock += TOKEN_CACHE_MS;
    expect(await cache.tokensRequired(ask)).toBe(true);
    required = false;
    cache.forget("tok_last"); // a token revoked here: asked again (local mode only if set so)
    expect(await cache.tokensRequired(ask)).toBe(false);
    required = true;
    cache.tokenAdded();
    expect(await cache.tokensRequired(ask)).toBe(true);
  });
});
