/**
 * POST /workspace/diff: what changed in a session's clone since the commit it started from, as a
 * list of files (status, line counts, binary or not) and a unified diff. The diff is bounded
 * (MAX_DIFF_BYTES), cut at a file boundary where it can be, with a notice saying what was left
 * out; binary files are named, never dumped. Read through a ShadowGit, so nothing the repository
 * configured runs.
 */
import path from "node:path";
import { RunnerFault } from "../errors.ts";
import {
  type DiffRequest,
  type DiffResponse,
  type FileChange,
  type FileChangeStatus,
  MAX_DIFF_BYTES,
  MAX_DIFF_FILES,
} from "../protocol/index.ts";
import { type ShadowDeps, ShadowGit } from "./shadow-git.ts";
import type { Workspace } from "./workspace.ts";

/** Plumbing output (file lists) kept at most: far more than MAX_DIFF_FILES entries need. */
const MAX_LIST_BYTES = 4 * 1024 * 1024;
const DIFF_OPTIONS = ["--cached", "--find-renames", "--no-ext-diff", "--no-textconv", "--no-color"];
const STATUS: Record<string, FileChangeStatus> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  T: "type_changed",
};

export async function workspaceDiff(
  deps: ShadowDeps,
  workspace: Workspace,
  request: DiffRequest,
): Promise<DiffResponse> {
  const cwd = await workspace.resolve(request.cwd);
  const pathspec = request.path ? ["--", literalPathspec(cwd, request.path)] : [];
  const shadow = await ShadowGit.open(deps, cwd, request.base);
  try {
    const list = (format: string) =>
      shadow.git("listing the changes", ["diff", ...DIFF_OPTIONS, format, "-z", request.base, ...pathspec], {
        rawStdoutBytes: MAX_LIST_BYTES,
      });
    const names = parseNameStatus((await list("--name-status")).raw?.bytes.toString("utf8") ?? "");
    const counts = parseNumstat((await list("--numstat")).raw?.bytes.toString("utf8") ?? "");
    const files = names.map((file) => ({ ...file, ...countsOf(counts.get(file.path)) }));
    const patch = await shadow.git("diffing", ["diff", ...DIFF_OPTIONS, request.base, ...pathspec], {
      rawStdoutBytes: MAX_DIFF_BYTES,
    });
    const raw = patch.raw ?? { bytes: Buffer.alloc(0), truncated: false, totalBytes: 0 };
    return bounded(request.base, files, raw, deps.redactor.text.bind(deps.redactor));
  } finally {
    await shadow.close();
  }
}

/** `requested` relative to `cwd`, as a pathspec git takes literally; never outside cwd. */
function literalPathspec(cwd: string, requested: string): string {
  if (requested.includes("\0")) throw new RunnerFault("bad_request", "path must not contain NUL");
  const relative = path.relative(cwd, path.resolve(cwd, requested));
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new RunnerFault("workspace_escape", `'${requested}' is outside the session's working directory`);
  }
  return `:(literal)${relative === "" ? "." : relative}`;
}

/** `git diff --name-status -z`: "M\0path\0", "R086\0old\0new\0". */
function parseNameStatus(text: string): Omit<FileChange, "binary" | "additions" | "deletions">[] {
  const fields = text.split("\0");
  const files: Omit<FileChange, "binary" | "additions" | "deletions">[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const code = fields[i++] ?? "";
    const status = STATUS[code.charAt(0)] ?? "modified";
    if (code.startsWith("R") || code.startsWith("C")) {
      const oldPath = fields[i++] ?? "";
      files.push({ path: fields[i++] ?? "", status, old_path: oldPath });
    } else {
      files.push({ path: fields[i++] ?? "", status });
    }
  }
  return files;
}

/** `git diff --numstat -z`: "A\tD\tpath\0", renames "A\tD\t\0old\0new\0"; binary files count "-". */
function parseNumstat(text: string): Map<string, [string, string]> {
  const counts = new Map<string, [string, string]>();
  const fields = text.split("\0");
  for (let i = 0; i < fields.length; ) {
    const [added = "", deleted = "", name = ""] = (fields[i++] ?? "").split("\t");
    if (added === "") continue;
    if (name !== "") {
      counts.set(name, [added, deleted]);
      continue;
    }
    i += 1; // a rename's old path; the new one follows
    counts.set(fields[i++] ?? "", [added, deleted]);
  }
  return counts;
}

function countsOf(
  count: [string, string] | undefined,
): Pick<FileChange, "binary" | "additions" | "deletions"> {
  if (count === undefined || count[0] === "-")
    return { binary: count !== undefined, additions: null, deletions: null };
  return { binary: false, additions: Number(count[0]), deletions: Number(count[1]) };
}

/** The answer within its limits, with a notice naming what was left out. */
function bounded(
  base: string,
  all: FileChange[],
  raw: { bytes: Buffer; truncated: boolean; totalBytes: number },
  redact: (text: string) => string,
): DiffResponse {
  const files = all.slice(0, MAX_DIFF_FILES);
  let diff = raw.bytes.toString("utf8");
  const notices: string[] = [];
  if (raw.truncated) {
    diff = cutAtFileBoundary(diff);
    const shown = (diff.match(/^diff --git /gm) ?? []).length;
    notices.push(
      `The diff is ${raw.totalBytes} bytes; this shows the first ${Buffer.byteLength(diff)} (${shown} of ${all.length} files). Ask for one file with path to see the rest.`,
    );
  }
  if (all.length > files.length)
    notices.push(`${all.length} files changed; the first ${files.length} are listed.`);
  if (all.length === 0) notices.push("Nothing changed since the session started.");
  return {
    base,
    files,
    diff: redact(diff),
    diff_bytes: raw.totalBytes,
    truncated: raw.truncated || all.length > files.length,
    ...(notices.length > 0 && { notice: notices.join(" ") }),
  };
}

/** The text before the last file that does not fit whole; within the first file, at a line end. */
function cutAtFileBoundary(diff: string): string {
  const lastFile = diff.lastIndexOf("\ndiff --git ");
  if (lastFile > 0) return diff.slice(0, lastFile + 1);
  const lastLine = diff.lastIndexOf("\n");
  // A cut multi-byte character decodes to U+FFFD at the very end; the line cut drops it.
  return lastLine > 0 ? diff.slice(0, lastLine + 1) : "";
}
