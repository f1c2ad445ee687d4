/** Tokens and authenticated MCP clients for the auth tests, through the admin API. */
import { connectMcp } from "../helpers/mcp-client.ts";
import { TEST_ADMIN_TOKEN } from "../helpers/test-admin-token.ts";
import { MCP_URL, workerFetch } from "../worker/mcp.ts";

export { workerFetch };

/** The Kiro API key createToken stores for `userId` unless told not to. */
export function testKiroKey(userId: string): string {
  return `kiro-key-of-${userId}-0123456789`;
}

/**
 * Mints a token the way `npm run token -- create` does (the server only ever sees its hash) and,
 * unless `kiroKey` is false, stores the user's own Kiro API key (testKiroKey) as they would.
 */
export async function createToken(
  userId: string,
  options: { kiroKey?: string | false } = {},
): Promise<{ token: string; id: string }> {
  const random = crypto.getRandomValues(new Uint8Array(32));
  const token = `kiro_${btoa(String.fromCharCode(...random))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const response = await workerFetch("http://localhost/admin/tokens", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ user_id: userId, hash, label: "test" }),
  });
  if (response.status !== 201)
    throw new Error(`token create failed: ${response.status} ${await response.text()}`);
  const { token_id } = (await response.json()) as { token_id: string };
  const kiroKey = options.kiroKey ?? testKiroKey(userId);
  if (kiroKey !== false) await storeSecret(token, "KIRO_API_KEY", kiroKey);
  return { token, id: token_id };
}

/** `npm run secrets -- set NAME` as the holder of `token`. */
export async function storeSecret(token: string, name: string, value: string): Promise<void> {
  const response = await workerFetch(`http://localhost/account/secrets/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ value }),
  });
  if (response.status !== 200)
    throw new Error(`storing ${name} failed: ${response.status} ${await response.text()}`);
}

export async function revokeToken(id: string): Promise<void> {
  const response = await workerFetch(`http://localhost/admin/tokens/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`revoke failed: ${response.status}`);
}

export function connectAs(token: string) {
  return connectMcp(MCP_URL, (input, init) => {
    const request = new Request(input, init);
    request.headers.set("authorization", `Bearer ${token}`);
    return workerFetch(request);
  });
}

export function mcpPost(body: unknown, headers: Record<string, string>): Promise<Response> {
  return workerFetch(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}
