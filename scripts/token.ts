/**
 * `npm run token -- <command>`: create, list and revoke the bearer tokens of a deployment.
 *
 *   npm run token -- create <user> [label]   prints a new token once (only its hash is sent)
 *   npm run token -- list
 *   npm run token -- revoke <token-id>
 *   npm run token -- local-mode on|off      on: no token needed on this machine (only while no
 *                                           token is live); revoking every token leaves it off
 *
 * Talks to KIRO_URL (default http://127.0.0.1:8787, i.e. `npm run dev`) with KIRO_ADMIN_TOKEN
 * (default: the local dev server's admin token, in KIRO_DEV_STATE_DIR or .kiro-dev/).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { devAdminTokenFile } from "./dev-state.ts";

interface TokenRow {
  id: string;
  user_id: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === "create" && args[0]) return create(args[0], args.slice(1).join(" "));
  if (command === "list") return list();
  if (command === "revoke" && args[0]) return revoke(args[0]);
  if (command === "local-mode" && (args[0] === "on" || args[0] === "off")) return localMode(args[0] === "on");
  fail("usage: npm run token -- create <user> [label] | list | revoke <token-id> | local-mode on|off");
}

async function create(userId: string, label: string): Promise<void> {
  const token = `kiro_${randomBytes(32).toString("base64url")}`;
  const hash = createHash("sha256").update(token).digest("hex");
  const created = (await admin("POST", "/admin/tokens", { user_id: userId, hash, label })) as {
    token_id: string;
  };
  process.stdout.write(
    `Token for ${userId} (${created.token_id}). It is shown only now; store it safely:\n\n  ${token}\n\n` +
      `Clients send it as:  Authorization: Bearer ${token}\n`,
  );
}

async function list(): Promise<void> {
  const { tokens } = (await admin("GET", "/admin/tokens")) as { tokens: TokenRow[] };
  if (tokens.length === 0)
    return void process.stdout.write("No tokens yet: the server runs in local mode.\n");
  const when = (ms: number | null) =>
    ms === null ? "-" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  for (const token of tokens) {
    const state = token.revoked_at === null ? "live" : `revoked ${when(token.revoked_at)}`;
    process.stdout.write(
      `${token.id}  ${token.user_id.padEnd(16)} created ${when(token.created_at)}  last used ${when(token.last_used_at)}  ${state}  ${token.label}\n`,
    );
  }
}

async function revoke(id: string): Promise<void> {
  await admin("DELETE", `/admin/tokens/${encodeURIComponent(id)}`);
  process.stdout.write(`Revoked ${id}. Requests with it are refused from now on.\n`);
}

async function localMode(enabled: boolean): Promise<void> {
  await admin("PUT", "/admin/local-mode", { enabled });
  process.stdout.write(
    enabled
      ? "Local mode is on: requests without a token, made on this machine, are served as the local user.\n"
      : "Local mode is off: every request needs a token.\n",
  );
}

async function admin(method: string, route: string, body?: unknown): Promise<unknown> {
  const base = (process.env.KIRO_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  }).catch((error: unknown) =>
    fail(`cannot reach ${base} (${String(error)}); is \`npm run dev\` running, or KIRO_URL set?`),
  );
  const parsed = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) fail(`${response.status}: ${parsed.error?.message ?? "request failed"}`);
  return parsed;
}

function adminToken(): string {
  if (process.env.KIRO_ADMIN_TOKEN) return process.env.KIRO_ADMIN_TOKEN;
  try {
    return readFileSync(devAdminTokenFile(), "utf8").trim();
  } catch {
    return fail(
      "set KIRO_ADMIN_TOKEN (the Worker secret), or start `npm run dev` once to create a local one",
    );
  }
}

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
