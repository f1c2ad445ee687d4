/**
 * Running one `git` command for the runner (clones): an argument array, never a shell; git leads
 * its own process group (and session, so it has no terminal to prompt on), which a timeout kills
 * whole; its output comes back cleaned and redacted like run output, bounded to a tail.
 *
 * git never sees the runner's secrets and never waits for a human: credential prompts are off
 * (GIT_TERMINAL_PROMPT=0, an empty GIT_ASKPASS, ssh in batch mode) and only the allowed transports
 * can be used, for redirects and submodules too (GIT_ALLOW_PROTOCOL).
 */
import { spawn } from "node:child_process";
import type { LogFields, Logger } from "../logger.ts";
import { type ProcessEnd, ProcessLifecycle } from "../process/lifecycle.ts";
import { tailUtf8 } from "../protocol/index.ts";
import { OutputCleaner } from "../text/cleaner.ts";
import type { Redactor } from "../text/redact.ts";

/** Environment variables of the runner that git must never see. */
const HIDDEN_FROM_GIT = ["KIRO_RUNNER_SECRET", "KIRO_API_KEY"] as const;
/** Output kept per stream: enough for git's error messages and a commit id. */
const MAX_GIT_OUTPUT_BYTES = 8 * 1024;

export interface GitOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The process group is killed when the command runs longer than this. */
  timeoutMs: number;
  redactor: Redactor;
  logger: Logger;
  /** Identifies the command in logs. */
  label: LogFields;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
}

export interface GitResult extends ProcessEnd {
  /** The timeout passed and the group was killed. */
  timedOut: boolean;
  /** Cleaned, redacted tails of what git wrote. */
  stdout: string;
  stderr: string;
}

/** The environment git runs with: the runner's, minus its secrets, with prompts off. */
export function gitEnv(base: NodeJS.ProcessEnv, protocols: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of HIDDEN_FROM_GIT) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    // Empty (not unset): git then asks no askpass program, not even SSH_ASKPASS.
    GIT_ASKPASS: "",
    GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    GIT_ALLOW_PROTOCOL: protocols.join(":"),
    // Error messages in one language, so they read the same in every log and answer.
    LC_ALL: "C",
  };
}

/** Runs `git args…`; resolves when git and its group are gone (never rejects). */
export function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = new Collected(options.redactor);
    const stderr = new Collected(options.redactor);
    let timedOut = false;
    const lifecycle = new ProcessLifecycle(child, options, {
      exit: (end) => {
        clearTimeout(timer);
        resolve({ ...end, timedOut, stdout: stdout.end(), stderr: stderr.end() });
      },
    });
    child.stdout?.on("data", (chunk: Buffer) => stdout.write(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.write(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      lifecycle.kill("git_timeout");
    }, options.timeoutMs);
  });
}

/** One stream's cleaned text, keeping only its last MAX_GIT_OUTPUT_BYTES. */
class Collected {
  readonly #cleaner: OutputCleaner;
  #text = "";

  constructor(redactor: Redactor) {
    this.#cleaner = new OutputCleaner(redactor);
  }

  write(chunk: Buffer): void {
    this.#text = tailUtf8(this.#text + this.#cleaner.write(chunk), MAX_GIT_OUTPUT_BYTES);
  }

  end(): string {
    return tailUtf8(this.#text + this.#cleaner.end(), MAX_GIT_OUTPUT_BYTES);
  }
}
