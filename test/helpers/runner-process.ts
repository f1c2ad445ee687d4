/**
 * Starts the real runner (`node container/src/main.ts`) as a child process in host mode, on a free
 * port, with the kiro-cli stub, a fresh workspace and a fresh KIRO_HOME; reads its "listening"
 * line; stops it by PID. Node builtins only, so vitest globalSetup and plain scripts can use it.
 *
 *   const runner = await startRunner();          // or startRunner({ env: { KIRO_RUN_TIMEOUT_MS: "500" } })
 *   runner.url, runner.port, runner.secret, runner.bootId, runner.workspaceRoot, runner.kiroHome
 *   fetch(`${runner.url}/health`, { headers: runner.headers });
 *   await runner.stop();                          // SIGTERM, then SIGKILL after 10 s; removes temp dirs
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RUNNER_ENTRY = path.join(REPO_ROOT, "container/src/main.ts");
export const STUB_KIRO_CLI = path.join(REPO_ROOT, "test/fixtures/kiro-cli.mjs");

export interface StartRunnerOptions {
  /** KIRO_WORKSPACE_ROOT (must exist); default a fresh temp dir removed by stop(). */
  workspaceRoot?: string;
  /** KIRO_HOME; default a fresh temp dir removed by stop(). */
  kiroHome?: string;
  /** KIRO_RUNNER_SECRET; default random (pass the old one to restart a runner behind the same Worker). */
  secret?: string;
  /** Applied last over the defaults; `undefined` removes a variable (e.g. KIRO_API_KEY). */
  env?: Record<string, string | undefined>;
  /** Node >= 22.18 (type stripping); defaults to the Node running this code. */
  nodePath?: string;
  /** How long to wait for the "listening" line. Default 15 s. */
  startTimeoutMs?: number;
}

export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunnerProcess {
  url: string;
  port: number;
  secret: string;
  bootId: string;
  pid: number;
  /** Real path of the workspace root the runner uses. */
  workspaceRoot: string;
  kiroHome: string;
  /** Headers every request needs (the shared secret). */
  headers: Record<string, string>;
  /** Everything the runner wrote to stderr so far (JSON log lines). */
  stderr(): string;
  exited: Promise<RunnerExit>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `timeoutMs`, waits, removes temp dirs it made. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<RunnerExit>;
}

/** Starts a runner; rejects with its stderr if it exits or stays silent instead of listening. */
export async function startRunner(options: StartRunnerOptions = {}): Promise<RunnerProcess> {
  const made: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
    made.push(dir);
    return dir;
  };
  const env = runnerEnv(options, tempDir);
  const child = spawn(options.nodePath ?? process.execPath, [RUNNER_ENTRY], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderrText = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderrText = (stderrText + text).slice(-1_000_000);
  });
  const exited = new Promise<RunnerExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const cleanup = () => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const listening = await waitListening(child, exited, options.startTimeoutMs ?? 15_000, () => stderrText);
    const secret = env.KIRO_RUNNER_SECRET ?? "";
    return {
      url: listening.url,
      port: Number(new URL(listening.url).port),
      bootId: listening.boot_id,
      secret,
      pid: child.pid ?? -1,
      workspaceRoot: realpathSync(env.KIRO_WORKSPACE_ROOT ?? REPO_ROOT),
      kiroHome: env.KIRO_HOME ?? "",
      headers: secret === "" ? {} : { "x-kiro-runner-secret": secret },
      stderr: () => stderrText,
      exited,
      stop: (signal = "SIGTERM", timeoutMs = 10_000) =>
        stopChild(child, exited, signal, timeoutMs).finally(cleanup),
    };
  } catch (error) {
    await stopChild(child, exited, "SIGKILL", 5_000);
    cleanup();
    throw error;
  }
}

/** Host mode on a free port with the stub and fresh directories, then the caller's overrides. */
function runnerEnv(options: StartRunnerOptions, tempDir: (prefix: string) => string) {
  const overrides = options.env ?? {};
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("KIRO_") && name !== "PORT" && name !== "HOST") env[name] = value;
  }
  Object.assign(env, {
    KIRO_RUNNER_MODE: "host",
    PORT: "0",
    KIRO_RUNNER_SECRET: options.secret ?? randomBytes(24).toString("hex"),
    KIRO_CLI_PATH: STUB_KIRO_CLI,
    KIRO_API_KEY: "test-key",
    // Short grace periods keep tests that kill process groups quick.
    KIRO_CANCEL_GRACE_MS: "500",
    KIRO_PIPE_DRAIN_GRACE_MS: "300",
  });
  env.KIRO_WORKSPACE_ROOT = options.workspaceRoot ?? tempDir("kiro-workspace-");
  env.KIRO_HOME = options.kiroHome ?? tempDir("kiro-home-");
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

interface ListeningLine {
  url: string;
  boot_id: string;
}

function waitListening(
  child: ChildProcess,
  exited: Promise<RunnerExit>,
  timeoutMs: number,
  stderr: () => string,
): Promise<ListeningLine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runner did not listen within ${timeoutMs} ms\n${stderr()}`)),
      timeoutMs,
    );
    const lines = createInterface({ input: child.stdout ?? process.stdin });
    lines.on("line", (line) => {
      const parsed = parseListening(line);
      if (parsed === undefined) return;
      clearTimeout(timer);
      resolve(parsed);
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(
        new Error(`runner exited (code ${exit.code}, signal ${exit.signal}) before listening\n${stderr()}`),
      );
    });
  });
}

function parseListening(line: string): ListeningLine | undefined {
  try {
    const value = JSON.parse(line) as Partial<ListeningLine> & { event?: string };
    if (value.event === "listening" && typeof value.url === "string" && typeof value.boot_id === "string") {
      return { url: value.url, boot_id: value.boot_id };
    }
  } catch {
    // Not a JSON line: the runner prints only the listening line on stdout, so ignore others.
  }
  return undefined;
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<RunnerExit>,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<RunnerExit> {
  signalRunner(child, signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result !== "timeout") return result;
  signalRunner(child, "SIGKILL");
  return exited;
}

/** Signals the runner by its PID unless it has already exited. */
function signalRunner(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}
