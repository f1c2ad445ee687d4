/**
 * Each container's own runner credential: HMAC-SHA-256 of its Durable Object id under the master
 * KIRO_RUNNER_SECRET, which never leaves the Worker. The container gets only its credential, so a
 * credential read out of one container (by anything Kiro runs there) opens no other container,
 * and the master cannot be worked back from it. A host runner, which serves every session, is
 * given the master itself.
 */
const LABEL = "kiro-mcp-edge/runner-credential/v1";

export async function runnerCredential(master: string, containerId: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(master),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${LABEL}\n${containerId}`));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * What a session's container starts with: its own runner credential, never the master secret
 * (`master`: KIRO_RUNNER_SECRET; without it the runner refuses to start). Nothing of the user's is
 * here: their Kiro API key comes with each run (StartRunRequest.kiro_api_key).
 */
export async function containerEnv(
  master: string | undefined,
  containerId: string,
): Promise<Record<string, string>> {
  return {
    ...(master && { KIRO_RUNNER_SECRET: await runnerCredential(master, containerId) }),
    KIRO_WORKSPACE_ROOT: "/workspace",
  };
}
