/** Local mode: the local user is signed in on this machine without a cookie, as /mcp serves them. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedInUser } from "../../src/web/browser-session.ts";
import { workerFetch } from "./mcp.ts";

describe("browser sign-in in local mode", () => {
  it("sends the local user on loopback straight to next, with no cookie", async () => {
    const response = await workerFetch("http://localhost/login?next=/tasks", { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/tasks");
    expect(response.headers.get("set-cookie")).toBeNull();
    const request = new Request("http://localhost/", { headers: { "cf-connecting-ip": "127.0.0.1" } });
    expect(await signedInUser(request, env)).toMatchObject({ userId: "local", credentialId: "local" });
  });

  it("signs nobody in from another machine", async () => {
    const request = new Request("http://localhost/", { headers: { "cf-connecting-ip": "203.0.113.9" } });
    expect(await signedInUser(request, env)).toBeNull();
  });
});
