/**
 * The HTTP edge in local mode: only a request made on this machine, straight to it, is the local
 * user (a proxy or another peer is refused), and every response carries the standard security
 * headers.
 */
import { describe, expect, it } from "vitest";
import { MCP_URL, workerFetch } from "./mcp.ts";

const listTools = (headers: Record<string, string>) =>
  workerFetch(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

describe("local mode is for this machine only", () => {
  it("serves a request from a loopback peer to a loopback host", async () => {
    expect((await listTools({})).status).toBe(200);
  });

  it.each([
    [
      "forwarded by a proxy (X-Forwarded-For)",
      { "x-forwarded-for": "203.0.113.7" },
      "proxy (x-forwarded-for)",
    ],
    ["forwarded by a proxy (Forwarded)", { forwarded: "for=203.0.113.7" }, "proxy (forwarded)"],
    ["forwarded by a proxy (X-Real-IP)", { "x-real-ip": "203.0.113.7" }, "proxy (x-real-ip)"],
    ["from another peer", { "cf-connecting-ip": "203.0.113.7" }, "did not come from this machine"],
    ["with no peer address", { "cf-connecting-ip": "" }, "did not come from this machine"],
  ])("refuses a request %s, though it names a loopback host", async (_name, headers, says) => {
    const response = await listTools(headers);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("no_credentials");
    expect(body.error.message).toContain(says);
  });
});

describe("security headers", () => {
  it.each([
    ["/health", "GET"],
    ["/nope", "GET"],
    ["/mcp", "POST"],
    ["/admin/tokens", "GET"],
    ["/tasks/task_unknown", "GET"],
  ])("are on %s (%s)", async (route, method) => {
    const response =
      route === "/mcp" ? await listTools({}) : await workerFetch(`http://localhost${route}`, { method });
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
  });
});
