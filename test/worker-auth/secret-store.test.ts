/**
 * A user's own secrets over HTTP (`npm run secrets` speaks this): stored encrypted in their Account
 * object, listed by name and date only, refused without their token, unreadable with another key.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { accountObjectName } from "../../src/ids.ts";
import { UserSecrets } from "../../src/secrets/store.ts";
import { durableSql } from "../../src/storage/sql.ts";
import { createToken, workerFetch } from "./auth.ts";

const KEY = "ksk_alice-0123456789-abcdefghijklmnopqrstuvwxyz";
let alice: string;
let bob: string;

beforeAll(async () => {
  alice = (await createToken("alice-store", { kiroKey: false })).token;
  bob = (await createToken("bob-store", { kiroKey: false })).token;
});

function secrets(token: string | undefined, method: string, name = "", body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return workerFetch(`http://localhost/account/secrets${name ? `/${name}` : ""}`, {
    method,
    headers,
    body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function listed(
  token: string,
): Promise<Array<{ name: string; created_at: number; updated_at: number }>> {
  const response = await secrets(token, "GET");
  expect(response.status).toBe(200);
  return (
    (await response.json()) as { secrets: Array<{ name: string; created_at: number; updated_at: number }> }
  ).secrets;
}

describe("PUT/GET/DELETE /account/secrets", () => {
  it("stores a value, lists its name and dates but never the value, replaces and deletes it", async () => {
    const put = await secrets(alice, "PUT", "KIRO_API_KEY", { value: KEY });
    expect(put.status).toBe(200);
    const stored = await put.text();
    expect(stored).not.toContain(KEY);
    expect(JSON.parse(stored)).toMatchObject({ name: "KIRO_API_KEY" });
    const first = await listed(alice);
    expect(first.map((s) => s.name)).toEqual(["KIRO_API_KEY"]);
    expect(JSON.stringify(first)).not.toContain(KEY);

    expect((await secrets(alice, "PUT", "KIRO_API_KEY", { value: `${KEY}-2` })).status).toBe(200);
    const [replaced] = await listed(alice);
    expect(replaced?.created_at).toBe(first[0]?.created_at);
    expect(replaced?.updated_at).toBeGreaterThanOrEqual(first[0]?.updated_at ?? 0);

    const deleted = await secrets(alice, "DELETE", "KIRO_API_KEY");
    expect(await deleted.json()).toEqual({ name: "KIRO_API_KEY", deleted: true });
    expect(await listed(alice)).toEqual([]);
    expect((await secrets(alice, "DELETE", "KIRO_API_KEY")).status).toBe(404);
  });

  it("keeps each user's secrets to that user", async () => {
    await secrets(alice, "PUT", "GIT_TOKEN", { value: "ghp_alice0123456789" });
    expect((await listed(bob)).map((s) => s.name)).not.toContain("GIT_TOKEN");
    expect((await secrets(bob, "DELETE", "GIT_TOKEN")).status).toBe(404);
    expect((await listed(alice)).map((s) => s.name)).toContain("GIT_TOKEN");
  });

  it.each([
    ["no token", undefined],
    ["a wrong token", `kiro_${"B".repeat(43)}`],
  ])("refuses %s with 401", async (_name, token) => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const body = method === "PUT" ? { value: KEY } : undefined;
      const response = await secrets(token, method, method === "GET" ? "" : "KIRO_API_KEY", body);
      expect(response.status, method).toBe(401);
    }
  });

  it.each([
    ["an unknown name", "AWS_SECRET_ACCESS_KEY", { value: KEY }, 400, "KIRO_API_KEY, GIT_TOKEN"],
    ["an empty value", "KIRO_API_KEY", { value: "" }, 400, "empty"],
    ["a line break", "KIRO_API_KEY", { value: "key\nKIRO_ADMIN_TOKEN=x" }, 400, "line breaks"],
    ["a space", "KIRO_API_KEY", { value: "two words" }, 400, "spaces"],
    ["a value that is not a string", "KIRO_API_KEY", { value: 42 }, 400, "must be JSON"],
    ["a body that is not JSON", "KIRO_API_KEY", "not json", 400, "must be JSON"],
    ["a value over 4096 characters", "KIRO_API_KEY", { value: "k".repeat(4097) }, 400, "4096"],
    ["a body over the limit", "KIRO_API_KEY", { value: "k".repeat(20_000) }, 413, "4096"],
  ])("refuses %s and stores nothing", async (_name, name, body, status, says) => {
    const response = await secrets(bob, "PUT", name, body);
    expect(response.status).toBe(status);
    expect(JSON.stringify(await response.json())).toContain(says);
    expect(await listed(bob)).toEqual([]);
  });
});

describe("at rest", () => {
  it("holds only ciphertext, bound to its user, unreadable under another KIRO_SECRETS_KEY", async () => {
    await secrets(alice, "PUT", "KIRO_API_KEY", { value: KEY });
    const stub = env.ACCOUNT.getByName(accountObjectName("alice-store"));
    await runInDurableObject(stub, async (_instance, state) => {
      const rows = state.storage.sql.exec("SELECT * FROM secrets").toArray();
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(KEY);
      const sql = durableSql(state.storage);
      const right = new UserSecrets(sql, env.KIRO_SECRETS_KEY);
      expect((await right.read("alice-store")).KIRO_API_KEY).toBe(KEY);
      // The same rows under another user's key, or another master key, do not decrypt.
      await expect(right.read("bob-store")).rejects.toThrow(/cannot be decrypted/);
      const rotated = new UserSecrets(sql, "another-secrets-key-0123456789abcdef0123");
      await expect(rotated.read("alice-store")).rejects.toThrow(/KIRO_SECRETS_KEY changed/);
      await expect(new UserSecrets(sql, undefined).read("alice-store")).rejects.toThrow(/KIRO_SECRETS_KEY/);
    });
  });
});
