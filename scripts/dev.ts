/**
 * `npm run dev`: the host runner and `wrangler dev` together, wired to each other with a fresh
 * shared secret. Everything stops on Ctrl-C, on SIGTERM (`kill` of the npm process reaches this
 * script: the npm script execs node), when the process that started it goes away, or when
 * wrangler exits; a runner that exits on its own is restarted (dev-runner.ts).
 *
 * The workspace root is KIRO_WORKSPACE_ROOT, else the directory `npm run dev` was started from.
 * kiro-cli is KIRO_CLI_PATH, else `kiro-cli` on PATH; KIRO_API_KEY is passed to it.
 * Local state (Durable Object storage, the admin token `npm run token` uses and the key that
 * encrypts users' secrets) lives in KIRO_DEV_STATE_DIR, default `.kiro-dev/` in the repository.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { messageOf } from "../container/src/protocol/index.ts";
import { envFileText, localKey } from "./dev-env.ts";
import { DevRunner } from "./dev-runner.ts";
import { devAdminTokenFile, devSecretsKeyFile, devStateDir } from "./dev-state.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const DEV_PORT = Number(process.env.KIRO_DEV_PORT ?? 8787);
const STATE_DIR = devStateDir();

/** How often the script checks that the process that started it (npm) is still there. */
const PARENT_CHECK_MS = 1_000;

const children: ChildProcess[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), "kiro-mcp-edge-dev-"));
let runner: DevRunner | undefined;
let stopping = false;

async function main(): Promise<void> {
  const secret = randomBytes(32).toString("hex");
  const workspaceRoot = path.resolve(
    process.env.KIRO_WORKSPACE_ROOT ?? process.env.INIT_CWD ?? process.cwd(),
  );
  runner = new DevRunner({
    root: ROOT,
    secret,
    workspaceRoot,
    // The admin token and the key of users' secrets live there: out of every workspace operation's reach.
    protectedPaths: [STATE_DIR],
    say,
    gaveUp: () => void stop(1),
  });
  const runnerUrl = await runner.start();
  say(`runner on ${runnerUrl} (workspace ${workspaceRoot})`);
  await preflight(runnerUrl, secret);

  // Secrets go through a private env file, never the command line (visible in `ps`).
  const envFile = path.join(scratch, "dev.env");
  const vars = {
    KIRO_RUNNER_URL: runnerUrl,
    KIRO_RUNNER_SECRET: secret,
    KIRO_ADMIN_TOKEN: localKey(devAdminTokenFile()),
    KIRO_SECRETS_KEY: localKey(devSecretsKeyFile()),
    // The operator's own key: the local user's, and with KIRO_SHARED_API_KEY=allow everyone's.
    ...(process.env.KIRO_API_KEY ? { KIRO_API_KEY: process.env.KIRO_API_KEY } : {}),
    // GitHub sign-in (README, Sign in with GitHub), when the operator's environment sets it up.
    ...fromEnvironment(GITHUB_SIGN_IN_VARS),
  };
  writeFileSync(envFile, envFileText(vars), { mode: 0o600 });
  const wrangler = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--env-file",
      envFile,
      "--port",
      String(DEV_PORT),
      "--ip",
      "127.0.0.1",
      "--show-interactive-dev-session=false",
      "--persist-to",
      path.join(STATE_DIR, "wrangler"),
      // The conformance fixtures (src/mcp/tasks/fixtures/guard.ts): tests only, never a [vars] entry.
      ...(process.env.KIRO_TEST_FIXTURES === "1" ? ["--var", "KIRO_TEST_FIXTURES:1"] : []),
      // Durable Object request counts for bench and load (src/debug/request-counts.ts): same rule.
      ...(process.env.KIRO_DEBUG_COUNTERS === "1" ? ["--var", "KIRO_DEBUG_COUNTERS:1"] : []),
      // The one secret on the command line: wrangler dev takes from an env file only the secrets
      // wrangler.toml requires, and GitHub sign-in is optional. Other users of this machine can
      // read it in the process list: use a development OAuth app (or a stand-in) with npm run dev.
      ...(process.env.GITHUB_CLIENT_SECRET
        ? ["--var", `GITHUB_CLIENT_SECRET:${process.env.GITHUB_CLIENT_SECRET}`]
        : []),
    ],
    // wrangler prefers process.env over --env-file for these: drop them so the file is the truth.
    { cwd: ROOT, env: without(process.env, Object.keys(vars)), stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(wrangler);
  exitWith(wrangler, "wrangler dev");
  createInterface({ input: wrangler.stdout }).on("line", (line) => {
    process.stdout.write(`${line}\n`);
    if (!/Ready on/.test(line)) return;
    void announceAuth().then(() =>
      say(`MCP endpoint: http://127.0.0.1:${DEV_PORT}/mcp   (Ctrl-C stops everything)`),
    );
  });
}

/** Says whether the server runs in local mode or wants bearer tokens. */
async function announceAuth(): Promise<void> {
  const health = (await fetch(`http://127.0.0.1:${DEV_PORT}/health`)
    .then((response) => response.json())
    .catch(() => ({}))) as { auth?: string };
  if (health.auth === "tokens") {
    say("bearer tokens required: clients send `Authorization: Bearer <token>` (npm run token -- list).");
  } else {
    say(
      "local mode: no tokens exist, so one local user is served on this machine only (npm run token -- create <user> to add users).",
    );
  }
}

/** Says up front what would make every task fail, instead of letting the first one find out. */
async function preflight(url: string, secret: string): Promise<void> {
  const response = await fetch(`${url}/health`, { headers: { "x-kiro-runner-secret": secret } });
  const health = (await response.json()) as { kiro_cli?: { path: string; found: boolean } };
  if (!health.kiro_cli?.found) {
    say(
      `kiro-cli not found (KIRO_CLI_PATH=${health.kiro_cli?.path ?? "kiro-cli"}): tasks will fail until it is installed or KIRO_CLI_PATH is set.`,
    );
  }
  if (!process.env.KIRO_API_KEY && process.env.KIRO_ALLOW_LOCAL_LOGIN !== "1") {
    say(
      "KIRO_API_KEY is not set: tasks will be refused (set it, or KIRO_ALLOW_LOCAL_LOGIN=1 to use a local kiro-cli login).",
    );
  }
}

function exitWith(child: ChildProcess, name: string): void {
  child.on("exit", (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? `code ${code}`}); stopping.`);
    void stop(code ?? 1);
  });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all([
    runner?.stop(),
    ...children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
            return resolve();
          child.once("exit", () => resolve());
          process.kill(child.pid, "SIGTERM");
          setTimeout(
            () => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
            10_000,
          ).unref();
        }),
    ),
  ]);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}

/** GitHub sign-in's settings ([vars] of wrangler.toml), passed on from this script's environment when set. */
const GITHUB_SIGN_IN_VARS = [
  "GITHUB_CLIENT_ID",
  "KIRO_ALLOWED_USERS",
  "KIRO_GITHUB_BASE_URL",
  "KIRO_GITHUB_API_URL",
] as const;

function fromEnvironment(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

function without(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of names) delete copy[name];
  return copy;
}

function say(message: string): void {
  process.stdout.write(`\x1b[1m[kiro-mcp-edge]\x1b[0m ${message}\n`);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
// npm's `sh -c` passes no signal on, and a killed npm sends none: a new parent means it is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid === parent) return;
  say("the process that started npm run dev is gone; stopping.");
  void stop(0);
}, PARENT_CHECK_MS).unref();
main().catch((error: unknown) => {
  say(`failed to start: ${messageOf(error)}`);
  void stop(1);
});
