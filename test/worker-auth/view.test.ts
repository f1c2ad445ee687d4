import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callTool, pollUntilDone } from "../helpers/mcp-client.ts";
import { connectAs, createToken, revokeToken, workerFetch } from "./auth.ts";

let alice: Client;
let aliceToken: string;
let bobToken: string;
let taskId: string;
let viewUrl: URL;

beforeAll(async () => {
  aliceToken = (await createToken("alice-view")).token;
  bobToken = (await createToken("bob-view")).token;
  alice = await connectAs(aliceToken);
  const session = await callTool<{ session_id: string }>(alice, "kiro_session_create");
  const started = await callTool<{ task_id: string; view_url: string }>(alice, "kiro_chat_async", {
    message: "@lines 3",
    session_id: session.data.session_id,
  });
  taskId = started.data.task_id;
  viewUrl = new URL(started.data.view_url);
  await pollUntilDone(alice, taskId);
});

afterAll(async () => {
  await alice.close();
});

function withParams(change: Record<string, string>): URL {
  const url = new URL(viewUrl);
  for (const [name, value] of Object.entries(change)) url.searchParams.set(name, value);
  return url;
}

describe("live task view", () => {
  it("serves the page through the signed link, locked down by a strict CSP", async () => {
    expect(viewUrl.pathname).toBe(`/tasks/${taskId}`);
    const response = await workerFetch(viewUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await response.text()).toContain("<title>Kiro task");
  });

  it("serves the task's chunks as JSON to the page", async () => {
    const url = new URL(viewUrl);
    url.pathname += "/status";
    const response = await workerFetch(url);
    const status = (await response.json()) as { status: string; new_chunks: unknown[] };
    expect(status.status).toBe("completed");
    expect(status.new_chunks.length).toBeGreaterThan(0);
  });

  it.each([
    ["a forged signature", { sig: "0".repeat(64) }],
    ["an expired link", { exp: "1000" }],
    ["another user's name", { u: "bob-view" }],
  ])("refuses %s", async (_name, change) => {
    const response = await workerFetch(withParams(change));
    expect(response.status).toBe(401);
  });

  it("accepts the owner's bearer token, and gives another user not-found", async () => {
    const bare = new URL(viewUrl.pathname, viewUrl.origin);
    const own = await workerFetch(bare, { headers: { authorization: `Bearer ${aliceToken}` } });
    expect(own.status).toBe(200);
    const other = await workerFetch(bare, { headers: { authorization: `Bearer ${bobToken}` } });
    expect(other.status).toBe(404);
  });

  it("answers another user's status request exactly as it answers an unknown task's", async () => {
    const unknown = `${taskId.slice(0, -1)}${taskId.endsWith("a") ? "b" : "a"}`;
    const bob = { authorization: `Bearer ${bobToken}` };
    const foreign = await workerFetch(new URL(`/tasks/${taskId}/status`, viewUrl.origin), { headers: bob });
    const missing = await workerFetch(new URL(`/tasks/${unknown}/status`, viewUrl.origin), { headers: bob });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const body = (await foreign.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("task_not_found");
    expect(body.error.message.replace(taskId, "ID")).toBe(
      ((await missing.json()) as { error: { message: string } }).error.message.replace(unknown, "ID"),
    );
  });

  it("does not let a link for one task open another", async () => {
    const url = new URL(viewUrl);
    const other = taskId.endsWith("a") ? "b" : "a"; // another task id, whatever this one ends in
    url.pathname = `/tasks/${taskId.slice(0, -1)}${other}`;
    expect((await workerFetch(url)).status).toBe(401);
  });
});

/** A link for `taskId` signed the way a link is, but under `key` as the raw HMAC key. */
async function linkSignedWith(key: string, url: URL, userId: string, credentialId: string): Promise<URL> {
  const taskOf = url.pathname.split("/").pop() ?? "";
  const exp = String(Math.floor(Date.now() / 1000) + 3600);
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const payload = new TextEncoder().encode(`${userId}\n${credentialId}\n${taskOf}\n${exp}`);
  const sig = [...new Uint8Array(await crypto.subtle.sign("HMAC", hmac, payload))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
  const forged = new URL(url.pathname, url.origin);
  for (const [name, value] of Object.entries({ u: userId, t: credentialId, exp, sig }))
    forged.searchParams.set(name, value);
  return forged;
}

describe("a view link's own credential", () => {
  it("stops the link working once the token it was made with is revoked", async () => {
    const dave = await createToken("dave-view");
    const client = await connectAs(dave.token);
    try {
      const started = await callTool<{ task_id: string; view_url: string }>(client, "kiro_chat_async", {
        message: "@lines 1",
      });
      await pollUntilDone(client, started.data.task_id);
      const link = new URL(started.data.view_url);
      expect(link.searchParams.get("t")).toBe(dave.id);
      expect((await workerFetch(link)).status).toBe(200);
      await revokeToken(dave.id);
      const page = await workerFetch(link);
      expect(page.status).toBe(401);
      expect(JSON.stringify(await page.json())).toContain("revoked");
      const status = new URL(link);
      status.pathname += "/status";
      expect((await workerFetch(status)).status).toBe(401);
    } finally {
      await client.close();
    }
  });

  it("refuses a link signed with the runner secret, which runners hold", async () => {
    const forged = await linkSignedWith(
      inject("runnerSecret"),
      viewUrl,
      "alice-view",
      viewUrl.searchParams.get("t") ?? "",
    );
    expect((await workerFetch(forged)).status).toBe(401);
  });

  it("refuses a link moved to another of the user's tokens or to local mode", async () => {
    for (const t of ["tok_aaaaaaaaaaaaaaaa", "local"]) {
      expect((await workerFetch(withParams({ t }))).status).toBe(401);
    }
  });
});
