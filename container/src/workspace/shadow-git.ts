/**
 * Reading a session's working tree with a git directory of the runner's own. A cloned repository
 * (and Kiro, which works in it) controls the clone's .git/config, hooks and attributes: git run
 * there by the runner could execute a filter, a diff driver, an fsmonitor hook or a pushed-to URL
 * chosen by that repository. So the runner never runs git against the clone's .git: it makes a
 * fresh git directory in a private temp dir, with no config but its own, no hooks, and the clone's
 * objects borrowed read-only (objects/info/alternates), and points it at the working tree.
 *
 * `open` stages the whole working tree (untracked files too, ignored ones not) in its own index
 * on top of the commit the session started from, so `git diff --cached <base>` is "everything
 * that changed since the session started", Kiro's own commits included.
 */
import { copyFile, lstat, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunnerConfig } from "../config.ts";
import { errnoCode, RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { tailUtf8 } from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import { allowedProtocols, gitTransport } from "./clone-url.ts";
import { type GitResult, gitEnv, runGit } from "./git.ts";

/** Longest a local git step (staging, diffing, committing) may take. */
const LOCAL_GIT_TIMEOUT_MS = 120_000;
/** git's stderr quoted in a git_failed message, at most. */
const ERROR_STDERR_BYTES = 1024;
/** A full object id: SHA-1 (40 hex) or SHA-256 (64 hex). */
export const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface ShadowDeps {
  config: RunnerConfig;
  logger: Logger;
  redactor: Redactor;
  /** The environment git starts from (secrets are removed); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ShadowRunOptions {
  /** Keep this many bytes of stdout as written (GitResult.raw). */
  rawStdoutBytes?: number;
  /** More environment: a credential's askpass. */
  env?: NodeJS.ProcessEnv;
  /** Network steps get the clone timeout (KIRO_CLONE_TIMEOUT_MS). */
  network?: boolean;
  /** Redacts these too (a credential). */
  redactor?: Redactor;
}

export class ShadowGit {
  readonly base: string;
  readonly workTree: string;
  readonly #deps: ShadowDeps;
  readonly #dir: string;

  private constructor(deps: ShadowDeps, dir: string, workTree: string, base: string) {
    this.#deps = deps;
    this.#dir = dir;
    this.workTree = workTree;
    this.base = base;
  }

  /** Stages `workTree` on top of `base`; close() it when done. */
  static async open(deps: ShadowDeps, workTree: string, base: string): Promise<ShadowGit> {
    if (!OBJECT_ID.test(base)) throw new RunnerFault("bad_request", "base must be a full commit id");
    const objects = await cloneObjects(workTree);
    const dir = await mkdtemp(path.join(os.tmpdir(), "kiro-shadow-"));
    const shadow = new ShadowGit(deps, dir, workTree, base);
    try {
      await shadow.#init(objects);
      await shadow.#stage();
      return shadow;
    } catch (error) {
      await shadow.close();
      throw error;
    }
  }

  /** Runs `git args…` against the shadow directory and the working tree; throws git_failed on failure. */
  async git(what: string, args: readonly string[], options: ShadowRunOptions = {}): Promise<GitResult> {
    const result = await this.tryGit(args, options);
    if (!succeeded(result)) throw this.failure(what, result);
    return result;
  }

  /** Like git(), but hands back a failed result instead of throwing. */
  tryGit(args: readonly string[], options: ShadowRunOptions = {}): Promise<GitResult> {
    const { config, logger } = this.#deps;
    const own = {
      GIT_DIR: path.join(this.#dir, "git"),
      GIT_WORK_TREE: this.workTree,
      GIT_INDEX_FILE: path.join(this.#dir, "index"),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_ATTR_NOSYSTEM: "1",
      GIT_NO_REPLACE_OBJECTS: "1",
      GIT_OPTIONAL_LOCKS: "0",
      ...options.env,
    };
    return runGit(args, {
      cwd: this.workTree,
      env: gitEnv(this.#deps.env ?? process.env, allowedProtocols(gitTransport(config)), own),
      timeoutMs: options.network ? config.cloneTimeoutMs : LOCAL_GIT_TIMEOUT_MS,
      redactor: options.redactor ?? this.#deps.redactor,
      logger,
      label: { git: args[0] },
      cancelGraceMs: config.cancelGraceMs,
      pipeDrainGraceMs: config.pipeDrainGraceMs,
      groupGoneTimeoutMs: config.groupGoneTimeoutMs,
      ...(options.rawStdoutBytes !== undefined && { rawStdoutBytes: options.rawStdoutBytes }),
    });
  }

  /** A git_failed error quoting the end of git's stderr. */
  failure(what: string, result: GitResult): RunnerFault {
    this.#deps.logger.warn("git_failed", { step: what, code: result.code, timed_out: result.timedOut });
    if (result.spawnError !== undefined) {
      return new RunnerFault("git_failed", `${what}: git could not start (${result.spawnError})`);
    }
    if (result.timedOut) return new RunnerFault("git_failed", `${what}: git did not finish in time`);
    const stderr = result.stderr.trim();
    const quoted = stderr === "" ? "" : `: ${tailUtf8(stderr, ERROR_STDERR_BYTES)}`;
    return new RunnerFault("git_failed", `${what} failed (git exited with code ${result.code})${quoted}`);
  }

  async close(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** A git directory written by hand: no template, no hooks, only the settings below. */
  async #init(objects: { dir: string; shallow: string | undefined }): Promise<void> {
    const gitDir = path.join(this.#dir, "git");
    await mkdir(path.join(gitDir, "objects", "info"), { recursive: true });
    await mkdir(path.join(gitDir, "refs", "heads"), { recursive: true });
    await writeFile(path.join(gitDir, "HEAD"), "ref: refs/heads/kiro\n");
    const sha256 = this.base.length === 64;
    const config = [
      "[core]",
      `\trepositoryformatversion = ${sha256 ? 1 : 0}`,
      "\tbare = false",
      "\tfilemode = true",
      ...(sha256 ? ["[extensions]", "\tobjectformat = sha256"] : []),
    ];
    await writeFile(path.join(gitDir, "config"), `${config.join("\n")}\n`);
    await writeFile(path.join(gitDir, "objects", "info", "alternates"), `${objects.dir}\n`);
    if (objects.shallow !== undefined) await copyFile(objects.shallow, path.join(gitDir, "shallow"));
  }

  /** The index becomes the working tree, on top of base. */
  async #stage(): Promise<void> {
    const known = await this.tryGit(["cat-file", "-e", `${this.base}^{commit}`]);
    if (!succeeded(known)) {
      throw new RunnerFault(
        "git_failed",
        `the commit the session started from (${this.base.slice(0, 12)}) is not in the clone's history any more`,
      );
    }
    await this.git("reading the starting commit", ["read-tree", this.base]);
    await this.git("reading the working tree", ["add", "--all", "--", "."]);
  }
}

/** The clone's object directory and shallow file; refuses a directory that is not a clone. */
async function cloneObjects(workTree: string): Promise<{ dir: string; shallow: string | undefined }> {
  const gitDir = path.join(workTree, ".git");
  const stats = await lstat(gitDir).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (stats === undefined || !stats.isDirectory()) {
    throw new RunnerFault(
      "bad_request",
      "the working directory is not a git clone (it has no .git directory): changes can be shown and pushed only in a session started from a repository",
    );
  }
  const shallow = path.join(gitDir, "shallow");
  const hasShallow = await lstat(shallow).then(
    (s) => s.isFile(),
    () => false,
  );
  return { dir: await realpath(path.join(gitDir, "objects")), shallow: hasShallow ? shallow : undefined };
}

export function succeeded(result: GitResult): boolean {
  return result.spawnError === undefined && !result.timedOut && result.code === 0;
}
