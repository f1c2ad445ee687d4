/**
 * Getting a session's work out of the runner: what changed in its working directory since the
 * session started, one file of it, and a push of the changes to a new branch.
 *
 *   POST /workspace/diff   DiffRequest → 200 DiffResponse
 *   GET  /workspace/file?cwd=DIR&path=P → 200 ReadFileResponse
 *   POST /workspace/push   PushRequest → 200 PushResponse; 409 push_refused (no changes, the
 *                          branch exists or is the default branch), 422 git_failed
 *
 * "Changed" means the working tree (untracked files included, ignored ones not) against the
 * commit the session started from, so commits Kiro made meanwhile count too. The runner reads the
 * working tree through a git directory of its own, outside the workspace, borrowing the clone's
 * objects: the workspace's .git/config, hooks and attributes drivers are never run, so nothing a
 * cloned repository (or Kiro) put there executes as the runner.
 */

/**
 * A git credential for http(s) remotes as the user stored it (GIT_TOKEN): a token, or
 * `user:token` for hosts that need the account's name. 1-4096 printable ASCII characters without
 * spaces. git gets it through an askpass program for one command; it is redacted from everything
 * the runner sends and never logged.
 */
export type GitToken = string;

export interface DiffRequest {
  /** The session's working directory (a git clone), absolute inside the workspace root. */
  cwd: string;
  /** The commit the session started from, as a full hex object id. */
  base: string;
  /** Only this file or directory, relative to cwd. */
  path?: string | undefined;
}

export type FileChangeStatus = "added" | "modified" | "deleted" | "renamed" | "type_changed";

export interface FileChange {
  /** Relative to the working directory. */
  path: string;
  status: FileChangeStatus;
  /** Where a renamed file came from. */
  old_path?: string | undefined;
  /** Binary files are named here; their content is not in the diff. */
  binary: boolean;
  /** Lines added and removed (null for binary files). */
  additions: number | null;
  deletions: number | null;
}

export interface DiffResponse {
  base: string;
  files: FileChange[];
  /** Unified diff, at most MAX_DIFF_BYTES, cut at a file boundary where it can be. */
  diff: string;
  /** The whole diff's size, in bytes. */
  diff_bytes: number;
  truncated: boolean;
  /** Says what was left out when truncated (or why there is nothing to show). */
  notice?: string | undefined;
}

/** Largest unified diff one answer carries. */
export const MAX_DIFF_BYTES = 256 * 1024;
/** Most files one answer lists. */
export const MAX_DIFF_FILES = 1000;

export interface ReadFileResponse {
  /** Absolute path read. */
  path: string;
  size: number;
  /** utf8 for valid UTF-8 text without NUL bytes; base64 for anything else. */
  encoding: "utf8" | "base64";
  content: string;
  /** Guessed from the name (text/plain or application/octet-stream when unknown). */
  mime_type: string;
}

/** Largest file GET /workspace/file returns; larger ones are refused with their size. */
export const MAX_READ_FILE_BYTES = 1024 * 1024;

export interface PushRequest {
  cwd: string;
  base: string;
  /** Where to push: the repository the session was cloned from, never the clone's own `origin`. */
  url: string;
  /** The new branch: must not exist on the remote. */
  branch: string;
  /** Commit message (default: "Changes made with Kiro"). */
  message?: string | undefined;
  /** Branches never pushed to, besides the remote's default branch (the ref the session cloned). */
  protected_branches?: string[] | undefined;
  git_token?: GitToken | undefined;
}

export interface PushResponse {
  branch: string;
  /** The commit pushed: the changes since `base`, with `base` as its parent. */
  commit: string;
  base: string;
  files_changed: number;
  /** The remote's default branch, as it advertised it (null when it did not). */
  default_branch: string | null;
}
