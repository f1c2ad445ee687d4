/**
 * A session's work out of its clone, as the tools hand it to clients: the diff since the session
 * started (kiro_workspace_diff), one file (the kiro://sessions/{session_id}/files/{path}
 * resource), and a push of the changes to a new branch with the link to open a pull request
 * (kiro_workspace_push). Diff and push need a session started from a repository: its starting
 * commit is what "changed" is measured against, and its URL is where a push goes.
 */
import { z } from "zod";
import { ErrorCode, KiroError } from "../errors.ts";
import type { DiffResponse, ReadFileResponse, RunnerClient } from "../runner/client.ts";
import { compareUrl } from "./compare-url.ts";
import type { ClonedRepository, SessionRecord } from "./meta.ts";

const fileChange = z.object({
  path: z.string().describe("Relative to the working directory"),
  status: z.enum(["added", "modified", "deleted", "renamed", "type_changed"]),
  old_path: z.string().optional().describe("Where a renamed file came from"),
  binary: z.boolean().describe("Binary files are named here, their content is not in the diff"),
  additions: z.number().int().nullable().describe("Lines added (null for binary files)"),
  deletions: z.number().int().nullable().describe("Lines removed (null for binary files)"),
});

export const diffViewSchema = z.object({
  session_id: z.string(),
  base: z.string().describe("The commit the session started from: the diff is against it"),
  files: z.array(fileChange).describe("Every changed file, untracked ones included (ignored ones not)"),
  diff: z.string().describe("Unified diff, bounded (see truncated and notice)"),
  diff_bytes: z.number().int().describe("Size of the whole diff"),
  truncated: z.boolean().describe("Something was left out: notice says what"),
  notice: z.string().optional().describe("What was left out, or that nothing changed"),
});
export type DiffView = z.infer<typeof diffViewSchema>;

export const pushViewSchema = z.object({
  session_id: z.string(),
  repository: z.string().describe("Where the branch was pushed (the session's repository)"),
  branch: z.string(),
  commit: z.string().describe("The commit pushed: every change since base, with base as its parent"),
  base: z.string(),
  files_changed: z.number().int(),
  compare_url: z
    .string()
    .nullable()
    .describe("Open it to create the pull (merge) request: GitHub, GitLab and Bitbucket; null elsewhere"),
});
export type PushView = z.infer<typeof pushViewSchema>;

export interface PushOptions {
  branch: string;
  message?: string | undefined;
  gitToken?: string | undefined;
}

export async function sessionDiff(
  runner: RunnerClient,
  meta: SessionRecord,
  path: string | undefined,
): Promise<DiffView> {
  const cloned = requireRepository(meta);
  const diff: DiffResponse = await runner.diff({ cwd: meta.workingDirectory, base: cloned.commit, path });
  return { session_id: meta.sessionId, ...diff };
}

export async function sessionPush(
  runner: RunnerClient,
  meta: SessionRecord,
  options: PushOptions,
): Promise<PushView> {
  const cloned = requireRepository(meta);
  const pushed = await runner.push({
    cwd: meta.workingDirectory,
    base: cloned.commit,
    url: cloned.url,
    branch: options.branch,
    message: options.message,
    protected_branches: [cloned.ref, cloned.branch].filter((name): name is string => Boolean(name)),
    git_token: options.gitToken,
  });
  const base = cloned.branch ?? cloned.ref ?? pushed.default_branch;
  return {
    session_id: meta.sessionId,
    repository: cloned.url,
    branch: pushed.branch,
    commit: pushed.commit,
    base: pushed.base,
    files_changed: pushed.files_changed,
    compare_url: compareUrl(cloned.url, pushed.branch, base),
  };
}

/** One file of the working directory, `path` relative to it. */
export function sessionFile(
  runner: RunnerClient,
  meta: SessionRecord,
  path: string,
): Promise<ReadFileResponse> {
  return runner.readFile(meta.workingDirectory, path);
}

function requireRepository(meta: SessionRecord): ClonedRepository {
  if (meta.cloned) return meta.cloned;
  throw new KiroError(
    ErrorCode.InvalidInput,
    `Session ${meta.sessionId} was not started from a repository, so it has no starting commit to compare with and nowhere to push. Create a session with kiro_session_create {repository} to get your work back as a diff or a branch.`,
  );
}
