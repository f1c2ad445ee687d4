/** With KIRO_SHARED_API_KEY=allow, a user without a Kiro API key runs with the operator's; one with a key, with theirs. */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { callTool, pollUntilDone, textOf } from "../helpers/mcp-client.ts";
import { connectAs, createToken, testKiroKey } from "../worker-auth/auth.ts";

async function keyHash(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `KIRO_API_KEY sha256:${hex.slice(0, 16)}\n`;
}

async function keyHashSeenBy(client: Client): Promise<string> {
  const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", { message: "@key-hash" });
  expect(started.isError, started.text).toBe(false);
  return textOf((await pollUntilDone(client, started.data.task_id)).chunks);
}

let withKey: Client;
let withoutKey: Client;
beforeAll(async () => {
  withKey = await connectAs((await createToken("dana-shared")).token);
  withoutKey = await connectAs((await createToken("erin-shared", { kiroKey: false })).token);
});
afterAll(async () => {
  await withKey.close();
  await withoutKey.close();
});

it("runs a user without a key with the operator's KIRO_API_KEY, and a user with one with theirs", async () => {
  const operatorKey = (env as Env & { KIRO_API_KEY: string }).KIRO_API_KEY;
  expect(await keyHashSeenBy(withoutKey)).toContain(await keyHash(operatorKey));
  expect(await keyHashSeenBy(withKey)).toContain(await keyHash(testKiroKey("dana-shared")));
});
