/**
 * Starts `npm run dev` (scripts/dev.ts: the host runner plus `wrangler dev`) as a child process on
 * a free port, with the kiro-cli stub, a fresh workspace and a fresh KIRO_HOME; waits for its
 * "MCP endpoint:" line; stops it with SIGINT by PID, as Ctrl-C would. Node builtins only, so vitest
 * and plain scripts (scripts/bench.ts) can use it.
 *
 *   const dev = await startDevServer();        // or startDevServer({ env: { KIRO_CHAT_WAIT_MS: "4000" } })
 *   const client = await connectMcp(dev.mcpUrl);
 *   const { leftovers } = await dev.stop();    // leftovers: processes the dev script left running
 *
 * Each server gets its own state directory (KIRO_DEV_STATE_DIR: Durable Object storage and the
 * admin token), so tests never see a developer's sessions or tokens, nor each other's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { descendants, type ProcessRef, stillRunning } from "./process-tree.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEV_SCRIPT = path.join(REPO_ROOT, "scripts/dev.ts");
const STUB_KIRO_CLI = path.join(REPO_ROOT, "test/fixtures/kiro-cli.mjs");
const ENDPOINT_LINE = /MCP endpoint: (http:\/\/\S+\/mcp)/;
/** Most output kept for output(): wrangler logs every request. */
const MAX_OUTPUT_CHARS = 1_000_000;

export interface StartDevServerOptions {
  /** Applied last over the defaults; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** How long to wait for the "MCP endpoint:" line. Default 90 s (wrangler dev takes 5–10 s). */
  startTimeoutMs?: number;
  /** Start it as a user does, `npm run dev` (then `pid` is npm's); default `node scripts/dev.ts`. */
  npm?: boolean;
}

export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Processes under the dev script (runner, wrangler, workerd, kiro-cli) still alive after it exited. */
  leftovers: ProcessRef[];
}

export interface DevServer {
  /** http://127.0.0.1:PORT/mcp */
  mcpUrl: string;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** The dev script's pid, or npm's when started with `npm`. */
  pid: number;
  /** Real path of KIRO_WORKSPACE_ROOT. */
  workspaceRoot: string;
  kiroHome: string;
  /** Everything the dev script printed so far (stdout and stderr interleaved). */
  output(): string;
  /**
   * SIGINT to the dev script, SIGKILL after `timeoutMs` (default 20 s: the script gives its children
   * 10 s). Idempotent. Reports leftovers, then kills them by PID so none outlive the caller.
   */
  stop(timeoutMs?: number): Promise<DevServerExit>;
}

/** Starts the dev server; rejects with its output if it exits or stays silent instead. */
export async function startDevServer(options: StartDevServerOptions = {}): Promise<DevServer> {
  const made: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
    made.push(dir);
    return dir;
  };
  const env = devEnv(await freePort(), options.env ?? {}, tempDir);
  const [command, args] = options.npm
    ? ["npm", ["run", "--silent", "dev"]]
    : [process.execPath, [DEV_SCRIPT]];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    detached: false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const append = (chunk: string) => {
    text = (text + chunk).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let stopped: Promise<DevServerExit> | undefined;
  const stop = (timeoutMs = 20_000) => {
    stopped ??= stopDevScript(child, exited, timeoutMs).finally(() => {
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    });
    return stopped;
  };
  try {
    const mcpUrl = await waitForEndpoint(child, exited, options.startTimeoutMs ?? 90_000, () => text);
    return {
      mcpUrl,
      baseUrl: new URL(mcpUrl).origin,
      pid: child.pid ?? -1,
      workspaceRoot: realpathSync(env.KIRO_WORKSPACE_ROOT ?? REPO_ROOT),
      kiroHome: env.KIRO_HOME ?? "",
      output: () => text,
      stop,
    };
  } catch (error) {
    await stop(5_000);
    throw error;
  }
}

/** The caller's environment without KIRO_* (a developer's shell must not leak in), then ours. */
function devEnv(
  port: number,
  overrides: Record<string, string | undefined>,
  tempDir: (prefix: string) => string,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("KIRO_")) env[name] = value;
  }
  Object.assign(env, {
    KIRO_DEV_PORT: String(port),
    KIRO_CLI_PATH: STUB_KIRO_CLI,
    KIRO_API_KEY: "test-key",
    KIRO_WORKSPACE_ROOT: tempDir("kiro-e2e-workspace-"),
    KIRO_HOME: tempDir("kiro-e2e-home-"),
    KIRO_DEV_STATE_DIR: tempDir("kiro-e2e-state-"),
    // Read by wrangler from the environment over [vars]: every test makes its own sessions.
    KIRO_MAX_SESSIONS: "1000",
    // Short grace periods keep cancellation quick (read by the runner).
    KIRO_CANCEL_GRACE_MS: "500",
    KIRO_PIPE_DRAIN_GRACE_MS: "300",
    WRANGLER_SEND_METRICS: "false",
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** A port that was free a moment ago: listen on 127.0.0.1:0, note the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

function waitForEndpoint(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
  output: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev server printed no MCP endpoint within ${timeoutMs} ms\n${output()}`)),
      timeoutMs,
    );
    const check = () => {
      const match = ENDPOINT_LINE.exec(output());
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout?.off("data", check);
      resolve(match[1]);
    };
    child.stdout?.on("data", check);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(
        new Error(`dev server exited (code ${exit.code}, signal ${exit.signal}) before ready\n${output()}`),
      );
    });
  });
}

/** Ctrl-C for the dev script alone (by PID), then a check of what it started. */
async function stopDevScript(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
): Promise<DevServerExit> {
  const running = child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const tree = running && child.pid !== undefined ? descendants(child.pid) : [];
  if (running && child.pid !== undefined) process.kill(child.pid, "SIGINT");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  if ((await Promise.race([exited, timedOut])) === "timeout" && child.pid !== undefined) {
    process.kill(child.pid, "SIGKILL");
  }
  clearTimeout(timer);
  const exit = await exited;
  const leftovers = await stillRunning(tree, 1_000);
  for (const ref of leftovers) killQuietly(ref.pid);
  return { ...exit, leftovers };
}

/** SIGKILL by PID; a process that exited meanwhile (ESRCH) is fine. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}
