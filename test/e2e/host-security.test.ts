/**
 * `npm run dev` (host mode) attacked the way a token holder would: the dev state directory and
 * `.git` are out of reach, every user works in their own area and runs with their own key (set
 * with the real `npm run secrets`), and a key file that could add a line to wrangler's env file
 * stops `npm run dev` instead of being used.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, REPO_ROOT, startDevServer } from "../helpers/dev-server.ts";
import { callTool, connectMcp, pollUntilDone, textOf } from "../helpers/mcp-client.ts";

let scratch: string;
let workspace: string;
let stateDir: string;
let dev: DevServer;

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-host-security-")));
  workspace = path.join(scratch, "workspace");
  stateDir = path.join(workspace, ".kiro-dev");
  mkdirSync(path.join(workspace, ".git"), { recursive: true });
  writeFileSync(path.join(workspace, ".git", "config"), "[core]\n\tbare = false\n");
  dev = await startDevServer({ env: { KIRO_WORKSPACE_ROOT: workspace, KIRO_DEV_STATE_DIR: stateDir } });
});
afterAll(async () => {
  await dev?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** `npm run secrets -- …args` with `input` on stdin. */
function secretsCli(args: string[], env: Record<string, string>, input = "") {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts/secrets.ts"), ...args], {
      env: { PATH: process.env.PATH ?? "", KIRO_URL: dev.baseUrl, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const tokenIds: string[] = [];

/** `npm run token -- …args` against the dev server, with its admin token. */
function tokenCli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts/token.ts"), ...args], {
      env: { PATH: process.env.PATH ?? "", KIRO_URL: dev.baseUrl, KIRO_DEV_STATE_DIR: stateDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function createToken(userId: string): Promise<string> {
  const token = `kiro_${randomBytes(32).toString("base64url")}`;
  const hash = createHash("sha256").update(token).digest("hex");
  const adminToken = readFileSync(path.join(stateDir, "admin-token"), "utf8").trim();
  const response = await fetch(`${dev.baseUrl}/admin/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ user_id: userId, hash, label: "e2e" }),
  });
  expect(response.status).toBe(201);
  tokenIds.push(((await response.json()) as { token_id: string }).token_id);
  return token;
}

function connectWith(token: string): Promise<Client> {
  return connectMcp(dev.mcpUrl, (input, init) => {
    const request = new Request(input, init);
    request.headers.set("authorization", `Bearer ${token}`);
    return fetch(request);
  });
}

function keyHash(key: string): string {
  return `KIRO_API_KEY sha256:${createHash("sha256").update(key).digest("hex").slice(0, 16)}\n`;
}

describe("local mode on the operator's checkout", () => {
  it.each([
    [".kiro-dev/admin-token", "the server's own state"],
    [".git/config", "a .git directory"],
  ])("refuses kiro_session_save to %s and leaves it as it was", async (target, says) => {
    const before = readFileSync(path.join(workspace, target), "utf8");
    const client = await connectMcp(dev.mcpUrl);
    try {
      const saved = await callTool(client, "kiro_session_save", { path: target });
      expect(saved.isError).toBe(true);
      expect(saved.text).toContain(says);
      expect(saved.text).not.toContain(workspace);
    } finally {
      await client.close();
    }
    expect(readFileSync(path.join(workspace, target), "utf8")).toBe(before);
  });
});

describe("with tokens", () => {
  const keys = { alice: "alice-kiro-key-0123456789", bob: "bob-kiro-key-9876543210" };
  const clients: Record<string, Client> = {};
  beforeAll(async () => {
    for (const user of ["alice", "bob"] as const) {
      const token = await createToken(user);
      const stored = await secretsCli(["set", "KIRO_API_KEY"], { KIRO_TOKEN: token }, `${keys[user]}\n`);
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stdout + stored.stderr).not.toContain(keys[user]);
      const listed = await secretsCli(["list"], { KIRO_TOKEN: token });
      expect(listed.stdout).toContain("KIRO_API_KEY");
      expect(listed.stdout).not.toContain(keys[user]);
      clients[user] = await connectWith(token);
    }
  });
  afterAll(async () => {
    for (const client of Object.values(clients)) await client.close();
  });

  it("refuses a value on the command line of npm run secrets", async () => {
    const refused = await secretsCli(["set", "KIRO_API_KEY", "on-the-command-line"], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("never from the command line");
  });

  it("runs each user's Kiro with that user's key only", async () => {
    for (const user of ["alice", "bob"] as const) {
      const started = await callTool<{ task_id: string }>(clients[user] as Client, "kiro_chat_async", {
        message: "@key-hash",
      });
      const { chunks } = await pollUntilDone(clients[user] as Client, started.data.task_id);
      expect(textOf(chunks)).toContain(keyHash(keys[user]));
    }
  });

  it("keeps each user's files in their own area, and out of the operator's and the other's", async () => {
    const alice = clients.alice as Client;
    const bob = clients.bob as Client;
    expect((await callTool(bob, "kiro_session_save", { path: "notes.md" })).isError).toBe(false);
    const bobs = path.join(workspace, "kiro-users", "bob", "notes.md");
    const before = readFileSync(bobs, "utf8");
    for (const target of ["../bob/notes.md", "../../.kiro-dev/admin-token", "../../.git/config", workspace]) {
      const saved = await callTool(alice, "kiro_session_save", { path: target });
      expect(saved.isError, target).toBe(true);
      expect(saved.text).toMatch(/outside the workspace root/);
    }
    expect(readFileSync(bobs, "utf8")).toBe(before);
    expect((await callTool(alice, "kiro_session_save", { path: "notes.md" })).isError).toBe(false);
    expect(readFileSync(path.join(workspace, "kiro-users", "alice", "notes.md"), "utf8")).toContain("# ");
  });
});

describe("after every token is revoked", () => {
  const listTools = () =>
    fetch(dev.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });

  it("still wants a token, until the operator turns local mode on again", async () => {
    expect(await tokenCli(["local-mode", "on"])).toMatchObject({ code: 1 });
    for (const id of tokenIds) expect((await tokenCli(["revoke", id])).code).toBe(0);
    expect((await listTools()).status).toBe(401);
    expect(((await (await fetch(`${dev.baseUrl}/health`)).json()) as { auth: string }).auth).toBe("tokens");
    const on = await tokenCli(["local-mode", "on"]);
    expect(on.code, on.stderr).toBe(0);
    expect((await listTools()).status).toBe(200);
    expect((await tokenCli(["local-mode", "off"])).code).toBe(0);
    expect((await listTools()).status).toBe(401);
  });
});

describe("the env file npm run dev writes", () => {
  it("refuses to start when the admin token file could add a line to it", async () => {
    const state = path.join(scratch, "tampered-state");
    mkdirSync(state);
    // What kiro_session_save could have written before: a chosen token on a line of its own.
    writeFileSync(path.join(state, "admin-token"), "# Kiro session\n\nKIRO_ADMIN_TOKEN=chosen\n");
    const failure = await startDevServer({
      env: { KIRO_DEV_STATE_DIR: state },
      startTimeoutMs: 60_000,
    }).catch((error: unknown) => error);
    expect(String(failure)).toContain("does not hold a key made by npm run dev");
  });
});
