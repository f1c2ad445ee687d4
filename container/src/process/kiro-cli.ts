/**
 * Finding kiro-cli and checking it can run without a human: KIRO_CLI_PATH is either a path (it
 * contains a slash; relative to the runner's directory) that must be an executable file, or a
 * command name looked up on PATH (default `kiro-cli`). Looked up again for every run, so
 * installing kiro-cli needs no runner restart.
 */
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { RunnerFault } from "../errors.ts";

export interface KiroCliLocation {
  /** Absolute path when found, else the configured value. */
  path: string;
  found: boolean;
}

/** Where kiro-cli is, given KIRO_CLI_PATH and the PATH variable. */
export function locateKiroCli(
  configured: string,
  searchPath: string = process.env.PATH ?? "",
): KiroCliLocation {
  if (configured.includes("/")) {
    const absolute = path.resolve(configured);
    return { path: absolute, found: isExecutableFile(absolute) };
  }
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, configured);
    if (isExecutableFile(candidate)) return { path: candidate, found: true };
  }
  return { path: configured, found: false };
}

/** The absolute path of kiro-cli, or a kiro_cli_missing error that says what to do. */
export function requireKiroCli(configured: string): string {
  const location = locateKiroCli(configured);
  if (!location.found) {
    throw new RunnerFault(
      "kiro_cli_missing",
      `kiro-cli was not found (KIRO_CLI_PATH=${configured}). Install Kiro CLI or set KIRO_CLI_PATH to its path.`,
    );
  }
  return location.path;
}

/**
 * Refuses to start kiro-cli when it has no credentials: without KIRO_API_KEY it begins a device
 * login and waits for a human forever.
 */
export function requireKiroAuth(hasApiKey: boolean, allowLocalLogin: boolean): void {
  if (hasApiKey || allowLocalLogin) return;
  throw new RunnerFault(
    "kiro_auth_missing",
    "KIRO_API_KEY is not set, so kiro-cli would wait for a device login. Set KIRO_API_KEY to a Kiro API key, or set KIRO_ALLOW_LOCAL_LOGIN=1 where `kiro-cli login` has already been done.",
  );
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    // Missing, unreadable or not executable: all mean "not usable as kiro-cli".
    return false;
  }
}
