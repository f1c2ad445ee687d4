/**
 * The live view's page, Markdown and Cancel routes in workerd: the message that started the task
 * written into the page escaped, the answer's Markdown as a tree with no HTML and only safe links,
 * Cancel refused without the page's CSRF token or from another origin, refused to another user as
 * "not found", and cancelling like kiro_task_cancel when all is right.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, type StatusLike } from "../helpers/mcp-client.ts";
import { connectAs, createToken, workerFetch } from "./auth.ts";

const ORIGIN = "http://localhost";
const HOSTILE = [
  "Answer follows",
  "<script>window.pwned = 1</script>",
  "",
  '<img src="x" onerror="window.pwned = 2">',
  "",
  "[click](javascript:window.pwned=3) [site](https://example.com/docs) **bold**",
].join("\n");

let alice: Client;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  aliceToken = (await createToken("alice-actions")).token;
  bobToken = (await createToken("bob-actions")).token;
  alice = await connectAs(aliceToken);
});
afterAll(async () => {
  await alice.close();
});

async function start(message: string): Promise<{ taskId: string; link: URL }> {
  const session = await callTool<{ session_id: string }>(alice, "kiro_session_create");
  const started = await callTool<{ task_id: string; view_url: string }>(alice, "kiro_chat_async", {
    message,
    session_id: session.data.session_id,
  });
  expect(started.isError, started.text).toBe(false);
  return { taskId: started.data.task_id, link: new URL(started.data.view_url) };
}

function at(link: URL, suffix: string, params: Record<string, string> = {}): URL {
  const url = new URL(link);
  url.pathname += suffix;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/** The page's CSRF token, as its script reads it. */
async function csrfOf(link: URL, headers: Record<string, string> = {}): Promise<string> {
  const page = await (await workerFetch(link, { headers })).text();
  const token = /<meta name="csrf-token" content="([^"]*)">/.exec(page)?.[1] ?? "";
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

function cancelPost(url: URL, form: Record<string, string>, headers: Record<string, string> = {}) {
  return workerFetch(url, {
    method: "POST",
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
}

describe("the live view page", () => {
  it("shows the message that started the task, escaped, with no-store and a Trusted Types CSP", async () => {
    const { taskId, link } = await start(`${HOSTILE}\n@lines 1`);
    await pollUntilDone(alice, taskId);
    const response = await workerFetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain("unsafe-inline");
    const page = await response.text();
    expect(page).toContain("&lt;script&gt;window.pwned = 1&lt;/script&gt;");
    expect(page).toContain("&lt;img src=&quot;x&quot; onerror=&quot;window.pwned = 2&quot;&gt;");
    expect(page).not.toContain("<script>window.pwned");
    expect(page).not.toContain("<img");
  });
});

describe("the answer as Markdown", () => {
  it("is a tree of allowlisted elements: raw HTML stays text, only http(s) links are kept", async () => {
    const { taskId, link } = await start(`${HOSTILE}\n@lines 1`);
    const status = await pollUntilDone(alice, taskId);
    const last = status.chunks.at(-1)?.index ?? 0;
    expect(status.final.status).toBe("completed");
    const response = await workerFetch(at(link, "/markdown", { from: "0", to: String(last) }));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { nodes: unknown[]; too_long: boolean };
    const tree = JSON.stringify(body.nodes);
    expect(tree).toContain("<script>window.pwned = 1</script>"); // as a text node
    expect(tree).not.toContain('"tag":"script"');
    expect(tree).not.toContain('"tag":"img"');
    expect(tree).not.toContain('"href":"javascript:');
    expect(tree).toContain('{"tag":"a","children":["site"],"href":"https://example.com/docs"}');
    expect(tree).toContain('{"tag":"strong","children":["bold"]}');
  });

  it("answers another user's task as not found", async () => {
    const { taskId, link } = await start("@lines 1");
    await pollUntilDone(alice, taskId);
    const bare = new URL(`/tasks/${taskId}/markdown?from=0&to=5`, ORIGIN);
    const bob = await workerFetch(bare, { headers: { authorization: `Bearer ${bobToken}` } });
    expect(bob.status).toBe(404);
    expect((await workerFetch(at(link, "/markdown", { from: "0", to: "5" }))).status).toBe(200);
  });
});

describe("Cancel", () => {
  it("is refused without the token, with a wrong one, and from another origin", async () => {
    const { taskId, link } = await start("@hang");
    const csrf = await csrfOf(link);
    const url = at(link, "/cancel");
    const refusals = [
      await cancelPost(url, {}),
      await cancelPost(url, { csrf: "A".repeat(43) }),
      await cancelPost(url, { csrf: `${csrf.startsWith("A") ? "B" : "A"}${csrf.slice(1)}` }),
      await cancelPost(url, { csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` }),
      await cancelPost(url, { csrf }, { origin: "https://evil.example" }),
      await workerFetch(url, { method: "POST", body: new URLSearchParams({ csrf }) }), // no Origin
    ];
    expect(refusals.map((refusal) => refusal.status)).toEqual([403, 403, 403, 403, 403, 403]);
    for (const refusal of refusals) {
      expect(((await refusal.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    const oversized = await cancelPost(url, { csrf, padding: "x".repeat(4096) });
    expect(oversized.status).toBe(413);
    const still = await callTool<StatusLike>(alice, "kiro_task_status", { task_id: taskId });
    expect(still.data.status).toBe("running");
    await callTool(alice, "kiro_task_cancel", { task_id: taskId });
    await pollUntilDone(alice, taskId);
  });

  it("answers another user's task as not found, even with their own valid token", async () => {
    const { taskId } = await start("@hang");
    const bearer = { authorization: `Bearer ${bobToken}` };
    const bobPage = await workerFetch(new URL(`/tasks/${taskId}`, ORIGIN), { headers: bearer });
    expect(bobPage.status).toBe(404);
    // A CSRF token that is Bob's: from the page of a task of his own, opened with his token.
    const bob = await connectAs(bobToken);
    const own = await callTool<{ task_id: string }>(bob, "kiro_chat_async", { message: "@lines 1" });
    await pollUntilDone(bob, own.data.task_id);
    await bob.close();
    const bobCsrf = await csrfOf(new URL(`/tasks/${own.data.task_id}`, ORIGIN), bearer);
    const refused = await cancelPost(new URL(`/tasks/${taskId}/cancel`, ORIGIN), { csrf: bobCsrf }, bearer);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("task_not_found");
    const still = await callTool<StatusLike>(alice, "kiro_task_status", { task_id: taskId });
    expect(still.data.status).toBe("running");
    await callTool(alice, "kiro_task_cancel", { task_id: taskId });
    await pollUntilDone(alice, taskId);
  });

  it("cancels the running task when the token and origin are right", async () => {
    const { taskId, link } = await start("@hang");
    const response = await cancelPost(at(link, "/cancel"), { csrf: await csrfOf(link) });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const answered = (await response.json()) as { status: string };
    expect(["cancelling", "cancelled"]).toContain(answered.status);
    const done = await pollUntilDone(alice, taskId);
    expect(done.final.status).toBe("cancelled");
  });
});
