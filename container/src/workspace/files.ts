/**
 * POST /workspace/files: writing a file inside the workspace root, confined exactly like working
 * directories. The path may not leave the root lexically (`..`, absolute elsewhere); missing
 * parent directories are created one by one, and an existing parent that is a symlink must lead
 * inside the root; the file itself may not be a symlink (never written through, and opened with
 * O_NOFOLLOW so one swapped in meanwhile is refused too), a directory, or anything but a file.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { errnoCode, RunnerFault } from "../errors.ts";
import type { WriteFileResponse } from "../protocol/index.ts";
import { makeDirectory, writeFile } from "./as-user.ts";
import { isInside, type Workspace } from "./workspace.ts";

export async function writeWorkspaceFile(
  workspace: Workspace,
  requested: string,
  content: string,
  maxBytes: number,
): Promise<WriteFileResponse> {
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > maxBytes)
    throw new RunnerFault("bad_request", `content is ${bytes} bytes; at most ${maxBytes} can be written`);
  const { target, shown } = await newEntryPath(workspace, requested, "not a file");
  await refuseNonFile(target, shown);
  await writeNoFollow(workspace, target, content, shown);
  return { path: target, bytes };
}

/**
 * Where a new file or directory `requested` goes: confined to the workspace (no NUL, no `..` or
 * absolute escape, no symlinked parent leading out), its missing parents created, never the root
 * itself (`rootHint` ends that message). The entry itself is the caller's to check.
 */
export async function newEntryPath(
  workspace: Workspace,
  requested: string,
  rootHint: string,
): Promise<{ target: string; shown: string }> {
  if (requested.includes("\0")) throw new RunnerFault("bad_request", "path must not contain NUL");
  const candidate = workspace.candidate(requested);
  const shown = workspace.display(requested);
  if (!workspace.lexicallyInside(candidate)) throw workspace.outside(shown);
  // Checked before any directory is made: a path into .git or protected state changes nothing.
  workspace.assertReachable(candidate, shown);
  const parent = await ensureDirectory(workspace, path.dirname(candidate), shown);
  if (parent === undefined || path.basename(candidate) === "") {
    throw new RunnerFault("bad_request", `${shown} names the workspace root, ${rootHint}`);
  }
  const target = path.join(parent, path.basename(candidate));
  workspace.assertReachable(target, shown);
  return { target, shown };
}

/**
 * The real path of directory `dir` inside the root, creating what is missing; undefined when
 * `dir` is above the root (the request named the root itself). Every existing segment that is a
 * symlink must lead inside the root (else workspace_escape).
 */
export async function ensureDirectory(
  workspace: Workspace,
  dir: string,
  shown: string,
): Promise<string | undefined> {
  const base = isInside(workspace.root, dir) ? workspace.root : workspace.configuredRoot;
  if (!isInside(base, dir)) return undefined;
  let current = workspace.root;
  for (const part of path
    .relative(base, dir)
    .split(path.sep)
    .filter((segment) => segment !== "")) {
    current = await step(workspace, path.join(current, part), shown);
  }
  return current;
}

/** One path segment: an existing directory, a symlink to one inside the root, or created now. */
async function step(workspace: Workspace, next: string, shown: string): Promise<string> {
  workspace.assertReachable(next, shown);
  const stats = await lstat(next).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (stats === undefined) {
    await makeDirectory(workspace.owner, next).catch((error: unknown) => {
      if (errnoCode(error) !== "EEXIST") throw error;
    });
    return step(workspace, next, shown);
  }
  if (stats.isSymbolicLink()) {
    const real = await realpath(next);
    if (!isInside(workspace.root, real)) throw workspace.symlinkOut(shown);
    workspace.assertReachable(real, shown);
    if (!(await stat(real)).isDirectory()) throw notDirectory(workspace, next, shown);
    return real;
  }
  if (!stats.isDirectory()) throw notDirectory(workspace, next, shown);
  return next;
}

/** Writes without following a symlink that may have been swapped in since the checks. */
async function writeNoFollow(workspace: Workspace, target: string, content: string, shown: string) {
  try {
    await writeFile(workspace.owner, target, content);
  } catch (error) {
    if (errnoCode(error) === "ELOOP") {
      throw new RunnerFault(
        "workspace_escape",
        `${shown} is a symlink; the runner never writes through symlinks`,
      );
    }
    if (errnoCode(error) === "EISDIR")
      throw new RunnerFault("bad_request", `${shown} is a directory; give the path of a file`);
    throw error;
  }
}

function notDirectory(workspace: Workspace, dir: string, shown: string): RunnerFault {
  return new RunnerFault(
    "bad_request",
    `${shown}: '${path.relative(workspace.root, dir)}' is a file, not a directory`,
  );
}

async function refuseNonFile(target: string, shown: string): Promise<void> {
  const stats = await lstat(target).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (stats === undefined || stats.isFile()) return;
  if (stats.isSymbolicLink()) {
    throw new RunnerFault(
      "workspace_escape",
      `${shown} is a symlink; the runner never writes through symlinks`,
    );
  }
  if (stats.isDirectory())
    throw new RunnerFault("bad_request", `${shown} is a directory; give the path of a file`);
  throw new RunnerFault("bad_request", `${shown} is not a regular file`);
}
