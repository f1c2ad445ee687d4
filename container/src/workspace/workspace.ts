/**
 * Working directories are confined to the workspace root. A requested path is relative to the
 * root or absolute inside it; `..` that leaves the root is refused, and so is a symlink whose
 * target lies outside it (the check runs on the real path). The answer is always the real,
 * symlink-free absolute path of an existing directory.
 *
 * Some places inside the root are out of reach of every workspace operation (working directory,
 * saved file, clone target, file read): any `.git` (a repository's config and hooks run commands
 * for whoever next uses git there) and the protected paths (the runner's state, `npm run dev`'s
 * state directory with its admin token). Messages name paths as the user gave them, relative to
 * the root, never the root's absolute path.
 */
import { realpathSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { errnoCode, RunnerFault } from "../errors.ts";
import type { RunAs } from "../process/run-as.ts";

export class Workspace {
  /** The root as configured. */
  readonly configuredRoot: string;
  /** The root's real path: every resolved directory lies under it. */
  readonly root: string;
  /** Who makes the runner's changes here (KIRO_RUN_AS, see as-user.ts); undefined: the runner. */
  readonly owner: RunAs | undefined;
  /** Real paths no operation may reach, whatever is below them. */
  readonly protectedPaths: readonly string[];

  /** Throws when the root itself is missing: the runner cannot work without it. */
  constructor(configuredRoot: string, options: WorkspaceOptions = {}) {
    this.configuredRoot = path.resolve(configuredRoot);
    this.root = realpathSync(this.configuredRoot);
    this.owner = options.owner;
    this.protectedPaths = (options.protectedPaths ?? []).map(realOrResolved);
  }

  /** Resolves `requested` to a real directory inside the root, or throws a RunnerFault. */
  async resolve(requested: string): Promise<string> {
    if (requested.includes("\0")) throw new RunnerFault("bad_request", "path must not contain NUL");
    const candidate = this.candidate(requested);
    const shown = this.display(requested);
    if (!this.lexicallyInside(candidate)) throw this.outside(shown);
    const real = await this.#realDirectory(candidate, shown);
    if (!isInside(this.root, real)) throw this.symlinkOut(shown);
    this.assertReachable(real, shown);
    return real;
  }

  /**
   * Refuses `real` (a real path inside the root, or the path a new entry will have) when it is in
   * a `.git` directory, is one, or lies in a protected path.
   */
  assertReachable(real: string, shown: string): void {
    if (this.protectedPaths.some((dir) => isInside(dir, real))) {
      throw new RunnerFault(
        "workspace_escape",
        `${shown} is in the server's own state, which no workspace operation may touch`,
      );
    }
    const segments = path.relative(this.root, real).split(path.sep);
    // Lower-cased: on a case-insensitive disk (macOS) .GIT is .git.
    if (segments.some((segment) => segment.toLowerCase() === ".git")) {
      throw new RunnerFault(
        "workspace_escape",
        `${shown} is in a .git directory, which no workspace operation touches (it holds the repository's configuration and hooks)`,
      );
    }
  }

  /** The refusal of a path that is outside the root. */
  outside(shown: string): RunnerFault {
    return new RunnerFault(
      "workspace_escape",
      `${shown} is outside the workspace root: use a path relative to it`,
    );
  }

  /** The refusal of a path whose real path leaves the root through a symlink. */
  symlinkOut(shown: string): RunnerFault {
    return new RunnerFault("workspace_escape", `${shown} leads through a symlink outside the workspace root`);
  }

  /** The absolute form of a requested path (not yet checked). */
  candidate(requested: string): string {
    return path.isAbsolute(requested) ? path.normalize(requested) : path.resolve(this.root, requested);
  }

  /** Whether `candidate` (absolute, normalized) is lexically inside the root. */
  lexicallyInside(candidate: string): boolean {
    return isInside(this.root, candidate) || isInside(this.configuredRoot, candidate);
  }

  async #realDirectory(candidate: string, shown: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new RunnerFault(
          "workspace_missing",
          `${shown} does not exist in the workspace: create it first`,
        );
      }
      throw error;
    }
    if (!(await stat(real)).isDirectory()) {
      throw new RunnerFault("workspace_missing", `${shown} is not a directory`);
    }
    return real;
  }

  /** The requested path as the user should see it: relative to the root when it is inside. */
  display(requested: string): string {
    if (requested === "" || requested === ".") return "the workspace root";
    if (!path.isAbsolute(requested)) return `'${requested}'`;
    for (const root of [this.root, this.configuredRoot]) {
      if (isInside(root, requested)) return `'${path.relative(root, requested) || "."}'`;
    }
    return `'${requested}'`;
  }
}

export interface WorkspaceOptions {
  /** KIRO_RUN_AS: who makes the runner's changes in the workspace. */
  owner?: RunAs | undefined;
  /** Paths no operation may reach (they need not exist). */
  protectedPaths?: readonly string[] | undefined;
}

/** The real path of `target`, or its resolved path while it does not exist. */
function realOrResolved(target: string): string {
  try {
    return realpathSync(target);
  } catch {
    // Not there (yet): protect the path as given.
    return path.resolve(target);
  }
}

/** True when `target` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  const escapes = relative === ".." || relative.startsWith(`..${path.sep}`);
  return !escapes && !path.isAbsolute(relative);
}
