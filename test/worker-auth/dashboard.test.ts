/**
 * The dashboard at `/` in workerd, for browsers signed in with a token: not signed in → /login;
 * a person sees their own sessions, tasks, tokens and secrets and nobody else's; every POST is
 * refused without the CSRF token, with a wrong one, or from another origin; another user's token
 * or secret is "not found" and stays as it was; secrets round-trip showing names and dates only;
 * and the live view opened from the dashboard cancels with the sign-in's CSRF token.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, type StatusLike } from "../helpers/mcp-client.ts";
import { connectAs, createToken } from "./auth.ts";
import { browse, csrfIn, ORIGIN, post, signInWith } from "./browser.ts";
import { authorizationCode, exchange, listTools, type Tokens } from "./oauth-flow.ts";

const GIT_TOKEN_VALUE = "ghp_dashboardTestValue0123456789";

let alice: Client;
let aliceToken: { token: string; id: string };
let aliceSpare: { token: string; id: string };
let bobToken: { token: string; id: string };
let aliceCookie: string;
let bobCookie: string;
let sessionId: string;
let taskId: string;

beforeAll(async () => {
  aliceToken = await createToken("alice-dash");
  aliceSpare = await createToken("alice-dash");
  bobToken = await createToken("bob-dash");
  alice = await connectAs(aliceToken.token);
  sessionId = (await callTool<{ session_id: string }>(alice, "kiro_session_create")).data.session_id;
  const started = await callTool<{ task_id: string }>(alice, "kiro_chat_async", {
    message: "Fix the <b>login</b> bug\nsecond line @lines 1",
    session_id: sessionId,
  });
  taskId = started.data.task_id;
  await pollUntilDone(alice, taskId);
  aliceCookie = await signInWith(aliceToken.token);
  bobCookie = await signInWith(bobToken.token);
});
afterAll(async () => {
  await alice.close();
});

async function dashboard(cookie: string): Promise<string> {
  const response = await browse("/", cookie);
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return response.text();
}

describe("the dashboard", () => {
  it("sends a browser that is not signed in to /login, and back to / after", async () => {
    const response = await browse("/", "");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login?next=%2F");
  });

  it("shows the person's sessions, tasks and tokens under a strict CSP, escaped", async () => {
    const response = await browse("/", aliceCookie);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const page = await response.text();
    expect(page).toContain(sessionId);
    expect(page).toContain(`<a href="/tasks/${taskId}">Fix the &lt;b&gt;login&lt;/b&gt; bug</a>`);
    expect(page).not.toContain("second line");
    expect(page).toContain(aliceToken.id);
    expect(page).toContain(aliceSpare.id);
    expect(page).toContain("completed");
  });

  it("shows another user nothing of hers", async () => {
    const page = await dashboard(bobCookie);
    for (const hers of [sessionId, taskId, aliceToken.id, aliceSpare.id, "alice-dash"]) {
      expect(page).not.toContain(hers);
    }
    expect(page).toContain(bobToken.id);
  });
});

describe("the dashboard's forms", () => {
  it("refuse every post without the token, with a wrong one, or from another origin", async () => {
    const csrf = csrfIn(await dashboard(aliceCookie));
    const wrong = `${csrf.startsWith("A") ? "B" : "A"}${csrf.slice(1)}`;
    const forms: [string, Record<string, string>][] = [
      ["/dashboard/secrets", { name: "GIT_TOKEN", value: GIT_TOKEN_VALUE }],
      ["/dashboard/secrets/KIRO_API_KEY/delete", {}],
      [`/dashboard/tokens/${aliceSpare.id}/revoke`, {}],
      [`/tasks/${taskId}/cancel`, {}],
    ];
    for (const [path, fields] of forms) {
      const attempts = [
        await post(path, aliceCookie, fields),
        await post(path, aliceCookie, { ...fields, csrf: wrong }),
        await post(path, aliceCookie, { ...fields, csrf }, "https://evil.example"),
        await post(path, aliceCookie, { ...fields, csrf }, null),
        // A form another site submits under no-referrer: Origin null, and the browser says cross-site.
        await post(path, aliceCookie, { ...fields, csrf }, "null", { "sec-fetch-site": "cross-site" }),
        await post(path, aliceCookie, { ...fields, csrf }, ORIGIN, { "sec-fetch-site": "same-site" }),
      ];
      expect(
        attempts.map((attempt) => attempt.status),
        path,
      ).toEqual([403, 403, 403, 403, 403, 403]);
    }
    // Nothing changed: no GIT_TOKEN stored, the Kiro key still there, the spare token still live.
    const page = await dashboard(aliceCookie);
    expect(page).not.toContain("<code>GIT_TOKEN</code>");
    expect(page).toContain("<code>KIRO_API_KEY</code>");
    expect(page).toContain(`/dashboard/tokens/${aliceSpare.id}/revoke`);
  });

  it("set and delete a secret, showing its name and dates, never its value", async () => {
    const csrf = csrfIn(await dashboard(aliceCookie));
    const saved = await post("/dashboard/secrets", aliceCookie, {
      name: "GIT_TOKEN",
      value: GIT_TOKEN_VALUE,
      csrf,
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/?done=secret_saved");
    const page = await (await browse("/?done=secret_saved", aliceCookie)).text();
    expect(page).toContain("Secret saved.");
    expect(page).toContain("<code>GIT_TOKEN</code>");
    expect(page).not.toContain(GIT_TOKEN_VALUE);
    expect(page).toMatch(
      /<td><code>GIT_TOKEN<\/code><\/td>\s*<td data-label="Stored"><time datetime="\d{4}-/,
    );

    const deleted = await post("/dashboard/secrets/GIT_TOKEN/delete", aliceCookie, { csrf });
    expect(deleted.status).toBe(303);
    expect(await dashboard(aliceCookie)).not.toContain("<code>GIT_TOKEN</code>");
  });

  it("accept a form a browser submits from the dashboard itself, whose Origin is null", async () => {
    // The dashboard's no-referrer policy makes browsers send `Origin: null` with its forms.
    const csrf = csrfIn(await dashboard(aliceCookie));
    const sameOrigin = { "sec-fetch-site": "same-origin" };
    const fields = { name: "GIT_TOKEN", value: GIT_TOKEN_VALUE, csrf };
    const saved = await post("/dashboard/secrets", aliceCookie, fields, "null", sameOrigin);
    expect(saved.status).toBe(303);
    const deleted = await post(
      "/dashboard/secrets/GIT_TOKEN/delete",
      aliceCookie,
      { csrf },
      "null",
      sameOrigin,
    );
    expect(deleted.status).toBe(303);
  });

  it("sign out with the dashboard's own button", async () => {
    const cookie = await signInWith(aliceToken.token);
    const page = await dashboard(cookie);
    expect(page).toContain('<form method="post" action="/logout">');
    const out = await post("/logout", cookie, { csrf: csrfIn(page) }, "null", {
      "sec-fetch-site": "same-origin",
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });

  it("refuse a bad secret with the reason, storing nothing", async () => {
    const csrf = csrfIn(await dashboard(aliceCookie));
    const refused = await post("/dashboard/secrets", aliceCookie, { name: "AWS_SECRET", value: "x", csrf });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Unknown secret");
    const spaces = await post("/dashboard/secrets", aliceCookie, { name: "GIT_TOKEN", value: "a b", csrf });
    expect(spaces.status).toBe(400);
    expect(await dashboard(aliceCookie)).not.toContain("<code>GIT_TOKEN</code>");
  });

  it("cannot touch another user's secret or token: not found, and they stay", async () => {
    const bobCsrf = csrfIn(await dashboard(bobCookie));
    // Bob has no GIT_TOKEN; Alice's must survive his delete.
    const aliceCsrf = csrfIn(await dashboard(aliceCookie));
    await post("/dashboard/secrets", aliceCookie, {
      name: "GIT_TOKEN",
      value: GIT_TOKEN_VALUE,
      csrf: aliceCsrf,
    });
    const secret = await post("/dashboard/secrets/GIT_TOKEN/delete", bobCookie, { csrf: bobCsrf });
    expect(secret.status).toBe(404);
    expect(await dashboard(aliceCookie)).toContain("<code>GIT_TOKEN</code>");

    for (const id of [aliceSpare.id, "tok_0000000000000000", "not-a-token"]) {
      const revoke = await post(`/dashboard/tokens/${id}/revoke`, bobCookie, { csrf: bobCsrf });
      expect(revoke.status, id).toBe(404);
    }
    expect(await dashboard(aliceCookie)).toContain(`/dashboard/tokens/${aliceSpare.id}/revoke`);
  });

  it("revoke one of the person's tokens", async () => {
    const csrf = csrfIn(await dashboard(aliceCookie));
    const revoked = await post(`/dashboard/tokens/${aliceSpare.id}/revoke`, aliceCookie, { csrf });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe("/?done=token_revoked");
    const page = await (await browse("/?done=token_revoked", aliceCookie)).text();
    expect(page).toContain("Token revoked");
    expect(page).not.toContain(`/dashboard/tokens/${aliceSpare.id}/revoke`);
    const client = await connectAs(aliceSpare.token).catch((error: unknown) => error);
    expect(client).toBeInstanceOf(Error);
  });
});

describe("connected clients", () => {
  it("lists the person's OAuth clients by name; another user cannot disconnect one; they can", async () => {
    const grant = await authorizationCode(aliceCookie);
    const tokens = (await (await exchange(grant)).json()) as Tokens;
    expect((await listTools(tokens.access_token)).status).toBe(200);
    const page = await dashboard(aliceCookie);
    expect(page).toContain("<strong>Test Client</strong>");
    expect(page).toContain(grant.clientId);
    expect(page).toContain("127.0.0.1:9");
    const grantId = /\/dashboard\/clients\/([^/"]+)\/revoke/.exec(page)?.[1] ?? "";
    expect(grantId).not.toBe("");
    expect(await dashboard(bobCookie)).not.toContain(grant.clientId);

    const csrf = csrfIn(page);
    const path = `/dashboard/clients/${grantId}/revoke`;
    for (const origin of ["https://evil.example", null]) {
      expect((await post(path, aliceCookie, { csrf }, origin)).status).toBe(403);
    }
    expect((await post(path, aliceCookie, {})).status).toBe(403);
    const bob = await post(path, bobCookie, { csrf: csrfIn(await dashboard(bobCookie)) });
    expect(bob.status).toBe(404);
    expect((await listTools(tokens.access_token)).status).toBe(200);

    const disconnected = await post(path, aliceCookie, { csrf });
    expect(disconnected.status).toBe(303);
    expect(disconnected.headers.get("location")).toBe("/?done=client_disconnected");
    expect((await listTools(tokens.access_token)).status).toBe(401);
    expect(await dashboard(aliceCookie)).not.toContain(grant.clientId);
  });
});

describe("the live view from the dashboard", () => {
  it("opens with the sign-in and cancels with its CSRF token; another user gets not found", async () => {
    const started = await callTool<{ task_id: string }>(alice, "kiro_chat_async", {
      message: "@hang",
      session_id: sessionId,
    });
    const id = started.data.task_id;
    const foreign = await browse(`/tasks/${id}`, bobCookie);
    expect(foreign.status, await foreign.clone().text()).toBe(404);
    const page = await browse(`/tasks/${id}`, aliceCookie);
    expect(page.status).toBe(200);
    const csrf = csrfIn(await page.text());
    const bobCsrf = csrfIn(await dashboard(bobCookie));
    expect((await post(`/tasks/${id}/cancel`, bobCookie, { csrf: bobCsrf })).status).toBe(404);
    const still = await callTool<StatusLike>(alice, "kiro_task_status", { task_id: id });
    expect(still.data.status).toBe("running");

    const cancelled = await post(`/tasks/${id}/cancel`, aliceCookie, { csrf });
    expect(cancelled.status).toBe(200);
    expect((await pollUntilDone(alice, id)).final.status).toBe("cancelled");
  });

  it("sends a browser that is not signed in to sign in first", async () => {
    const response = await browse(`/tasks/${taskId}`, "");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/login?next=${encodeURIComponent(`/tasks/${taskId}`)}`);
    expect(new URL(response.headers.get("location") ?? "", ORIGIN).pathname).toBe("/login");
  });
});
