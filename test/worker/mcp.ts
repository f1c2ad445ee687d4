/** The MCP client wired to this Worker inside workerd, one connection per test. */
import { exports } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach } from "vitest";
import { connectMcp } from "../helpers/mcp-client.ts";

export const MCP_URL = "http://localhost/mcp";

/**
 * Sends a request straight to the Worker's fetch handler, with the Host header a client sets and
 * the peer address `wrangler dev` sets (CF-Connecting-IP: the client on this machine).
 */
export function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (!request.headers.has("host")) request.headers.set("host", new URL(request.url).host);
  if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", "127.0.0.1");
  return exports.default.fetch(request);
}

export function connect() {
  return connectMcp(MCP_URL, workerFetch);
}

/** A fresh MCP connection for each test of the file, handed to `use` and closed after the test. */
export function connectEachTest(use: (client: Client) => void): void {
  let current: Client | undefined;
  beforeEach(async () => {
    current = await connect();
    use(current);
  });
  afterEach(async () => {
    await current?.close();
  });
}

/** Breaks or restarts the runner path from inside a test (see test/worker/global-setup.ts). */
export async function control(
  action: "cut" | "restart-runner" | "restart-runner?graceful",
  controlUrl: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${controlUrl}/${action}`, { method: "POST" });
  if (!response.ok) throw new Error(`control ${action} failed: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** What the runner wrote at `path` in the test workspace, or null. */
export async function workspaceFile(relativePath: string, controlUrl: string): Promise<string | null> {
  const response = await fetch(`${controlUrl}/file?path=${encodeURIComponent(relativePath)}`);
  return ((await response.json()) as { content: string | null }).content;
}
