/**
 * Third-party MCP clients as child processes: the MCP Inspector CLI and mcp-remote, each run by
 * this Node (the one vitest runs on) from its package's own `bin` entry, with HOME and every
 * config directory they know pointing into a temporary directory, so a test run writes nothing
 * in the real home. Node builtins only.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The script a package's `bin` entry `name` points at, under the repository's node_modules. */
export function packageBin(packageName: string, name: string): string {
  const dir = path.join(REPO_ROOT, "node_modules", packageName);
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.[name];
  if (bin === undefined) throw new Error(`${packageName} has no bin entry ${name}`);
  return path.join(dir, bin);
}

/** A fresh home for a client, and the environment that points it (and its config dirs) there. */
export function isolatedClientEnv(prefix: string): { home: string; env: Record<string, string> } {
  const home = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  return {
    home,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      // mcp-remote keeps OAuth state here (default ~/.mcp-auth).
      MCP_REMOTE_CONFIG_DIR: path.join(home, ".mcp-auth"),
      NO_COLOR: "1",
    },
  };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node script …args` to the end with no stdin; after `timeoutMs` it is killed by PID
 * (SIGKILL) and the promise rejects with what it printed.
 */
export function runNodeScript(
  script: string,
  args: readonly string[],
  options: { env: Record<string, string>; timeoutMs: number; cwd?: string },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: options.env,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      reject(new Error(`${path.basename(script)} ran over ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
