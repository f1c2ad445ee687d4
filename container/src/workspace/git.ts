/**
 * Running one `git` command for the runner (clones, diffs, pushes): an argument array, never a
 * shell; git leads its own process group (and session, so it has no terminal to prompt on), which
 * a timeout kills whole; its output comes back cleaned and redacted like run output, bounded to a
 * tail (or, for plumbing output, the first bytes exactly as git wrote them).
 *
 * git never sees the runner's secrets and never waits for a human: prompts are off
 * (GIT_TERMINAL_PROMPT=0, an empty GIT_ASKPASS unless the user's credential comes with the
 * command, ssh in batch mode), no credential helper is asked or told anything, and only the
 * allowed transports can be used, for redirects and submodules too (GIT_ALLOW_PROTOCOL).
 */
import { spawn } from "node:child_process";
import type { LogFields, Logger } from "../logger.ts";
import { type ProcessEnd, ProcessLifecycle } from "../process/lifecycle.ts";
import { type RunAs, spawnUser } from "../process/run-as.ts";
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
  /** The user git runs as (KIRO_RUN_AS), so what it writes is theirs; undefined: the runner's own. */
  user?: RunAs | undefined;
  /** The process group is killed when the command runs longer than this. */
  timeoutMs: number;
  redactor: Redactor;
  logger: Logger;
  /** Identifies the command in logs. */
  label: LogFields;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
  /** Keep the first this many bytes of stdout exactly as written (GitResult.raw) instead of a cleaned tail. */
  rawStdoutBytes?: number;
  /** Called with each piece of cleaned stderr as git writes it (clone progress). */
  onStderr?: (text: string) => void;
  /** Aborting kills git's group (a cancelled clone). */
  signal?: AbortSignal;
}

export interface GitResult extends ProcessEnd {
  /** The timeout passed and the group was killed. */
  timedOut: boolean;
  /** Cleaned, redacted tails of what git wrote (stdout is "" when `rawStdoutBytes` was given). */
  stdout: string;
  stderr: string;
  /** With `rawStdoutBytes`: the first bytes of stdout as git wrote them. */
  raw?: RawOutput;
}

/** The first bytes of stdout as git wrote them, and how many it wrote in all. */
export interface RawOutput {
  bytes: Buffer;
  truncated: boolean;
  totalBytes: number;
}

/**
 * The environment git runs with: the runner's, minus its secrets, with prompts off, credential
 * helpers cleared (none stores a credential or hands out the runner's), and `extra` last (the
 * askpass of a user's credential, a command's own GIT_DIR).
 */
export function gitEnv(
  base: NodeJS.ProcessEnv,
  protocols: readonly string[],
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of HIDDEN_FROM_GIT) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    // Empty (not unset): git then asks no askpass program, not even SSH_ASKPASS.
    GIT_ASKPASS: "",
    GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    GIT_ALLOW_PROTOCOL: protocols.join(":"),
    // An empty credential.helper resets the list: no helper from any config file is used.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "credential.helper",
    GIT_CONFIG_VALUE_0: "",
    // Error messages in one language, so they read the same in every log and answer.
    LC_ALL: "C",
    ...extra,
  };
}

/** Runs `git args…`; resolves when git and its group are gone (never rejects). */
export function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: options.env,
      ...spawnUser(options.user),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const raw = options.rawStdoutBytes === undefined ? undefined : new RawHead(options.rawStdoutBytes);
    const stdout = new Collected(options.redactor);
    const stderr = new Collected(options.redactor);
    let timedOut = false;
    const abort = () => lifecycle.kill("git_aborted");
    const lifecycle = new ProcessLifecycle(child, options, {
      exit: (end) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", abort);
        const out = { stdout: raw ? "" : stdout.end(), stderr: stderr.end() };
        resolve({ ...end, timedOut, ...out, ...(raw && { raw: raw.end() }) });
      },
    });
    child.stdout?.on("data", (chunk: Buffer) => (raw ? raw.write(chunk) : stdout.write(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = stderr.write(chunk);
      if (text !== "") options.onStderr?.(text);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      lifecycle.kill("git_timeout");
    }, options.timeoutMs);
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener("abort", abort, { once: true });
  });
}

/** One stream's cleaned text, keeping only its last MAX_GIT_OUTPUT_BYTES. */
class Collected {
  readonly #cleaner: OutputCleaner;
  #text = "";

  constructor(redactor: Redactor) {
    this.#cleaner = new OutputCleaner(redactor);
  }

  /** Keeps the cleaned piece and returns it. */
  write(chunk: Buffer): string {
    const text = this.#cleaner.write(chunk);
    this.#text = tailUtf8(this.#text + text, MAX_GIT_OUTPUT_BYTES);
    return text;
  }

  end(): string {
    return tailUtf8(this.#text + this.#cleaner.end(), MAX_GIT_OUTPUT_BYTES);
  }
}

/** The first `maxBytes` of a stream, as written; the rest is read and dropped. */
class RawHead {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #total = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  write(chunk: Buffer): void {
    this.#total += chunk.length;
    const room = this.#max - this.#size;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }

  end(): RawOutput {
    return {
      bytes: Buffer.concat(this.#chunks),
      truncated: this.#total > this.#size,
      totalBytes: this.#total,
    };
  }
}
