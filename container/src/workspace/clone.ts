/**
 * POST /workspace/clone: a shallow clone of a repository into a new or empty directory inside the
 * workspace root, confined like working directories (no `..` or absolute path out, parents checked
 * through their real paths). A clone that fails or times out leaves nothing behind: a directory it
 * created is removed, one that existed empty is emptied again. The request's URL and ref were
 * checked by parseClone; here git runs with them as plain arguments after `--`. The user's
 * credential (git_token, or one the URL carried) reaches git only through git-credential.ts: git
 * clones the URL without it, so the clone's .git/config never holds it.
 */
import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { RunnerConfig } from "../config.ts";
import { errnoCode, RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { userEnv } from "../process/run-as.ts";
import {
  type CloneRequest,
  type CloneResponse,
  tailUtf8,
  type WorkspaceSource,
  withoutCredentials,
} from "../protocol/index.ts";
import { Redactor } from "../text/redact.ts";
import { makeDirectory, removeTree } from "./as-user.ts";
import { allowedProtocols, gitTransport, urlCredential, urlSecrets } from "./clone-url.ts";
import { newEntryPath } from "./files.ts";
import { type GitResult, gitEnv, runGit } from "./git.ts";
import { credentialSecrets, type GitCredential, parseGitToken, withGitCredential } from "./git-credential.ts";
import { isInside, type Workspace } from "./workspace.ts";

/** git's stderr quoted in a clone_failed message, at most. */
const ERROR_STDERR_BYTES = 1024;
/** A full object id: SHA-1 (40 hex) or SHA-256 (64 hex). */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface ClonerDeps {
  config: RunnerConfig;
  workspace: Workspace;
  logger: Logger;
  redactor: Redactor;
  /** The environment git starts from (secrets are removed); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A clone run's extras: progress as git reports it, and cancelling. */
export interface CloneOptions {
  progress?: (text: string) => void;
  signal?: AbortSignal;
}

interface CloneTarget {
  /** Absolute path inside the root, its parent's real path joined with the last segment. */
  dir: string;
  /** The directory existed (empty) before the clone. */
  existed: boolean;
}

export class WorkspaceCloner {
  readonly #deps: ClonerDeps;
  /** Targets being cloned into now: a second clone there would fail and then remove the first. */
  readonly #busy = new Set<string>();

  constructor(deps: ClonerDeps) {
    this.#deps = deps;
  }

  /** Refuses a target a clone could not go to (outside the root, not empty), before any git runs. */
  async checkTarget(requested: string): Promise<void> {
    await cloneTarget(this.#deps.workspace, requested);
  }

  /** A shallow clone of the request's ref (default: the default branch). */
  clone(request: CloneRequest, options: CloneOptions = {}): Promise<CloneResponse> {
    return this.#into(request.path, async (target) => {
      const url = withoutCredentials(request.url);
      const credential = request.git_token ? parseGitToken(request.git_token) : urlCredential(request.url);
      const branch = request.ref === undefined ? [] : ["--branch", request.ref];
      const args = ["clone", "--progress", "--depth", "1", ...branch, "--no-recurse-submodules"];
      this.#deps.logger.info("clone_started", { target: target.dir, source: url, credential: !!credential });
      const redactor = withSecrets(this.#deps.redactor, request.url, credential);
      const cloned = await withGitCredential(
        credential,
        url,
        (env) =>
          this.#git([...args, "--", url, target.dir], path.dirname(target.dir), redactor, env, options),
        this.#deps.config.runAs,
      );
      if (!succeeded(cloned)) throw this.#failure("git clone", cloned);
      return this.#checkedOut(target, redactor);
    });
  }

  /**
   * The clone of a session made again where it was (its directory is missing): `source.commit`
   * fetched alone (git fetch by commit id, which GitHub, GitLab and Bitbucket serve) and checked
   * out on the branch the session had.
   */
  rebuild(source: WorkspaceSource, dir: string, options: CloneOptions = {}): Promise<CloneResponse> {
    return this.#into(dir, async (target) => {
      const url = withoutCredentials(source.url);
      const credential = source.git_token ? parseGitToken(source.git_token) : undefined;
      const redactor = withSecrets(this.#deps.redactor, source.url, credential);
      const git = (what: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
        this.#git(args, target.dir, redactor, env, options).then((result) => {
          if (!succeeded(result)) throw this.#failure(what, result);
        });
      this.#deps.logger.info("rebuild_started", { target: target.dir, source: url, commit: source.commit });
      if (!target.existed) await makeDirectory(this.#deps.workspace.owner, target.dir);
      await git("git init", ["init", "--quiet", "."]);
      await git("git remote add", ["remote", "add", "origin", url]);
      await withGitCredential(
        credential,
        url,
        (env) =>
          git(
            "fetching the commit",
            ["fetch", "--progress", "--depth", "1", "--no-tags", "origin", source.commit],
            env,
          ),
        this.#deps.config.runAs,
      );
      const checkout = source.branch ? ["-B", source.branch] : ["--detach"];
      await git("git checkout", ["checkout", "--quiet", ...checkout, "FETCH_HEAD"]);
      return this.#checkedOut(target, redactor);
    });
  }

  /** Runs `work` on the confined target `requested`, one at a time per target; undoes it on failure. */
  async #into(
    requested: string,
    work: (target: CloneTarget) => Promise<CloneResponse>,
  ): Promise<CloneResponse> {
    const target = await cloneTarget(this.#deps.workspace, requested);
    if (this.#busy.has(target.dir)) {
      throw new RunnerFault("bad_request", `a clone into ${this.#shown(requested)} is already running`);
    }
    this.#busy.add(target.dir);
    const startedAt = Date.now();
    try {
      const cloned = await work(target);
      this.#deps.logger.info("clone_finished", {
        target: target.dir,
        commit: cloned.commit,
        ms: Date.now() - startedAt,
      });
      return cloned;
    } catch (error) {
      await this.#removePartial(target);
      throw error;
    } finally {
      this.#busy.delete(target.dir);
    }
  }

  /** The commit and branch the clone has checked out. */
  async #checkedOut(target: CloneTarget, redactor: Redactor): Promise<CloneResponse> {
    const head = await this.#git(["rev-parse", "--verify", "HEAD"], target.dir, redactor);
    const commit = head.stdout.trim();
    if (!succeeded(head) || !OBJECT_ID.test(commit)) {
      throw this.#failure("reading the clone's HEAD (an empty repository has none)", head);
    }
    const symbolic = await this.#git(["symbolic-ref", "--quiet", "--short", "HEAD"], target.dir, redactor);
    const branch = succeeded(symbolic) ? symbolic.stdout.trim() || null : null;
    return { path: target.dir, commit, branch };
  }

  #git(
    args: string[],
    cwd: string,
    redactor: Redactor,
    extra: NodeJS.ProcessEnv = {},
    options: CloneOptions = {},
  ): Promise<GitResult> {
    const { config, logger } = this.#deps;
    const protocols = allowedProtocols(gitTransport(config));
    return runGit(args, {
      cwd,
      env: { ...gitEnv(this.#deps.env ?? process.env, protocols, extra), ...userEnv(config.runAs) },
      user: config.runAs,
      timeoutMs: config.cloneTimeoutMs,
      redactor,
      logger,
      label: { git: args[0] },
      cancelGraceMs: config.cancelGraceMs,
      pipeDrainGraceMs: config.pipeDrainGraceMs,
      groupGoneTimeoutMs: config.groupGoneTimeoutMs,
      ...(options.progress && { onStderr: options.progress }),
      ...(options.signal && { signal: options.signal }),
    });
  }

  /** A clone_failed error saying what happened, in words a user can act on. */
  #failure(what: string, result: GitResult): RunnerFault {
    const { logger, config } = this.#deps;
    logger.warn("clone_failed", {
      step: what,
      code: result.code,
      signal: result.signal,
      timed_out: result.timedOut,
    });
    if (result.spawnError !== undefined) {
      const missing = result.spawnError.startsWith("ENOENT");
      return new RunnerFault(
        "clone_failed",
        missing
          ? "git was not found on the runner's PATH: install git in the runner's image to clone repositories"
          : `${what} could not start git: ${result.spawnError}`,
      );
    }
    const stderr = excerpt(result.stderr);
    if (result.timedOut) {
      return new RunnerFault(
        "clone_failed",
        `${what} did not finish within ${config.cloneTimeoutMs} ms (KIRO_CLONE_TIMEOUT_MS) and was stopped${stderr}`,
      );
    }
    const how = result.signal !== null ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    return new RunnerFault("clone_failed", `${what} failed: git ${how}${stderr}`);
  }

  /** Leaves the target as it was before: gone, or empty again. */
  async #removePartial(target: CloneTarget): Promise<void> {
    try {
      const owner = this.#deps.workspace.owner;
      if (!target.existed) {
        await removeTree(owner, target.dir);
        return;
      }
      const entries = await readdir(target.dir).catch((error: unknown) => {
        if (errnoCode(error) === "ENOENT") return [];
        throw error;
      });
      await Promise.all(entries.map((entry) => removeTree(owner, path.join(target.dir, entry))));
    } catch (error) {
      this.#deps.logger.error("clone_cleanup_failed", {
        target: target.dir,
        code: errnoCode(error) ?? "unknown",
      });
    }
  }

  #shown(requested: string): string {
    return this.#deps.workspace.display(requested);
  }
}

/** Checks the requested directory and creates its missing parents. */
async function cloneTarget(workspace: Workspace, requested: string): Promise<CloneTarget> {
  const { target: dir, shown } = await newEntryPath(workspace, requested, "clone into a directory below it");
  const stats = await lstat(dir).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (stats === undefined) return { dir, existed: false };
  if (stats.isSymbolicLink()) {
    const real = await realpath(dir).catch(() => dir);
    if (!isInside(workspace.root, real)) throw workspace.symlinkOut(shown);
    throw new RunnerFault("bad_request", `${shown} is a symlink: clone into a new or empty directory`);
  }
  if (!stats.isDirectory() || (await readdir(dir)).length > 0) {
    throw new RunnerFault("bad_request", `${shown} already exists and is not empty`);
  }
  return { dir, existed: true };
}

function succeeded(result: GitResult): boolean {
  return result.spawnError === undefined && !result.timedOut && result.code === 0;
}

/** ": <the end of git's stderr>", or "" when git said nothing (its "Cloning into …" line aside). */
function excerpt(stderr: string): string {
  const trimmed = stderr.replace(/^Cloning into .*$/m, "").trim();
  if (trimmed === "") return "";
  const tail = tailUtf8(trimmed, ERROR_STDERR_BYTES);
  return `: ${tail === trimmed ? "" : "…"}${tail}`;
}

/** The runner's redactor plus the URL's credentials and the user's, when there are any. */
function withSecrets(redactor: Redactor, url: string, credential: GitCredential | undefined): Redactor {
  const secrets = [...urlSecrets(url), ...credentialSecrets(credential)];
  return secrets.length === 0 ? redactor : new Redactor([...redactor.secrets, ...secrets]);
}
