/**
 * Every user's Kiro runs with that user's own key: the stand-in kiro-cli reports a hash of the
 * KIRO_API_KEY it got, and each user sees exactly their own; a user with no key is told how to
 * store one; the key never comes back in any output.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, textOf } from "../helpers/mcp-client.ts";
import { connectAs, createToken, storeSecret, testKiroKey } from "./auth.ts";

/** What the stand-in's @key-hash prints for `key`. */
async function keyHash(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `KIRO_API_KEY sha256:${hex.slice(0, 16)}\n`;
}

async function turn(client: Client, message: string, sessionId?: string) {
  const started = await callTool<{ task_id: string; session_id: string }>(client, "kiro_chat_async", {
    message,
    ...(sessionId && { session_id: sessionId }),
  });
  expect(started.isError, started.text).toBe(false);
  const { chunks, final } = await pollUntilDone(client, started.data.task_id);
  return {
    text: textOf(chunks),
    everything: JSON.stringify({ chunks, final }),
    sessionId: started.data.session_id,
  };
}

const clients: Client[] = [];
let alice: { client: Client; token: string };
let bob: Client;
let carol: Client;

beforeAll(async () => {
  const aliceToken = (await createToken("alice-keys")).token;
  alice = { client: await connectAs(aliceToken), token: aliceToken };
  bob = await connectAs((await createToken("bob-keys")).token);
  carol = await connectAs((await createToken("carol-keys", { kiroKey: false })).token);
  clients.push(alice.client, bob, carol);
});
afterAll(async () => {
  for (const client of clients) await client.close();
});

describe("per-user Kiro API keys", () => {
  it("runs each user's kiro-cli with exactly that user's key", async () => {
    const [fromAlice, fromBob] = await Promise.all([turn(alice.client, "@key-hash"), turn(bob, "@key-hash")]);
    expect(fromAlice.text).toContain(await keyHash(testKiroKey("alice-keys")));
    expect(fromBob.text).toContain(await keyHash(testKiroKey("bob-keys")));
    expect(fromAlice.text).not.toContain(await keyHash(testKiroKey("bob-keys")));
  });

  it("uses a replaced key from the next turn on, in the same session", async () => {
    const first = await turn(alice.client, "@key-hash");
    const replaced = "alice-replaced-key-0123456789";
    await storeSecret(alice.token, "KIRO_API_KEY", replaced);
    const second = await turn(alice.client, "@key-hash", first.sessionId);
    expect(second.text).toContain(await keyHash(replaced));
    await storeSecret(alice.token, "KIRO_API_KEY", testKiroKey("alice-keys"));
  });

  it("never returns the user's key, even when kiro-cli prints it", async () => {
    const printed = await turn(bob, "@echo-env KIRO_API_KEY\n@stderr-env KIRO_API_KEY");
    expect(printed.everything).not.toContain(testKiroKey("bob-keys"));
    expect(printed.text).toContain("KIRO_API_KEY=[redacted]");
  });

  it("tells a user without a key how to store one, for turns and commands alike", async () => {
    const chat = await callTool(carol, "kiro_chat_async", { message: "hello" });
    expect(chat.isError).toBe(true);
    expect(chat.text).toContain("npm run secrets -- set KIRO_API_KEY");
    const command = await callTool(carol, "kiro_command", { command: "/usage" });
    expect(command.isError).toBe(true);
    expect(command.text).toContain("npm run secrets -- set KIRO_API_KEY");
    const tasks = await callTool<{ tasks: unknown[] }>(carol, "kiro_task_list", { include_done: true });
    expect(tasks.data.tasks).toEqual([]);
  });

  it("shows the user's secrets in kiro://config by name only", async () => {
    const config = await alice.client.readResource({ uri: "kiro://config" });
    const text = JSON.stringify(config.contents);
    expect(text).toContain("KIRO_API_KEY");
    expect(text).not.toContain(testKiroKey("alice-keys"));
  });
});
