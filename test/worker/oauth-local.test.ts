/**
 * OAuth in local mode: on this machine the local user authorizes a client without signing in,
 * and the grant speaks for them only as local mode does — for requests from this machine.
 */
import { describe, expect, it } from "vitest";
import {
  authorizeUrl,
  exchange,
  listTools,
  openConsent,
  pkce,
  postConsent,
  RESOURCE,
  register,
  type Tokens,
} from "../worker-auth/oauth-flow.ts";
import { workerFetch } from "./mcp.ts";

describe("OAuth in local mode", () => {
  it("lets the local user authorize a client on this machine, and only this machine use it", async () => {
    const clientId = await register();
    const { verifier, challenge } = await pkce();
    const consent = await openConsent(authorizeUrl(clientId, challenge), "");
    expect(consent.response.status).toBe(200);
    expect(consent.page).toContain("<code>local</code>");
    const approved = await postConsent(
      { handle: consent.handle, csrf: consent.csrf, decision: "allow" },
      consent.cookie,
    );
    const code = new URL(approved.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const tokens = (await (await exchange({ clientId, verifier, code })).json()) as Tokens;
    expect((await listTools(tokens.access_token)).status).toBe(200);

    const fromElsewhere = await workerFetch(RESOURCE, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        "cf-connecting-ip": "203.0.113.9",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(fromElsewhere.status).toBe(401);
  });
});
