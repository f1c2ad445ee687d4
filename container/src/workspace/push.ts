/**
 * POST /workspace/push: the changes in a session's clone since its starting commit, as one commit
 * on top of that commit, pushed to a NEW branch of the session's repository. Never a force push,
 * never an existing branch, never the default branch (or one the caller protects). The URL is the
 * one the Worker recorded, not the clone's `origin` (which Kiro could have changed); the user's
 * credential reaches git only through git-credential.ts, for this push alone.
 */
import { RunnerFault } from "../errors.ts";
import type { PushRequest, PushResponse } from "../protocol/index.ts";
import { withoutCredentials } from "../protocol/index.ts";
import { Redactor } from "../text/redact.ts";
import { credentialSecrets, parseGitToken, withGitCredential } from "./git-credential.ts";
import { OBJECT_ID, type ShadowDeps, ShadowGit } from "./shadow-git.ts";
import type { Workspace } from "./workspace.ts";

const DEFAULT_MESSAGE = "Changes made with Kiro";
/** Who the commit is by: the user's remote records who pushed it. */
const AUTHOR = { name: "Kiro", email: "kiro@kiro-mcp-edge.invalid" };

export async function workspacePush(
  deps: ShadowDeps,
  workspace: Workspace,
  request: PushRequest,
): Promise<PushResponse> {
  const cwd = await workspace.resolve(request.cwd);
  const credential = request.git_token === undefined ? undefined : parseGitToken(request.git_token);
  const redactor = new Redactor([...deps.redactor.secrets, ...credentialSecrets(credential)]);
  const shadow = await ShadowGit.open({ ...deps, redactor }, cwd, request.base);
  try {
    await checkBranchName(shadow, request.branch);
    const { commit, filesChanged } = await commitChanges(shadow, request.message ?? DEFAULT_MESSAGE);
    const url = withoutCredentials(request.url);
    const defaultBranch = await withGitCredential(credential, url, async (env) => {
      const advertised = await refuseExisting(shadow, url, request, env, redactor);
      const refspec = `${commit}:refs/heads/${request.branch}`;
      await shadow.git("git push", ["push", "--porcelain", "--no-verify", "--", url, refspec], {
        env,
        network: true,
        redactor,
      });
      return advertised;
    });
    deps.logger.info("push_finished", { branch: request.branch, commit, files: filesChanged });
    return {
      branch: request.branch,
      commit,
      base: request.base,
      files_changed: filesChanged,
      default_branch: defaultBranch ?? null,
    };
  } finally {
    await shadow.close();
  }
}

/** A name git accepts for a branch (`git check-ref-format --branch`). */
async function checkBranchName(shadow: ShadowGit, branch: string): Promise<void> {
  const checked = await shadow.tryGit(["check-ref-format", `refs/heads/${branch}`]);
  if (checked.code !== 0 || branch.startsWith("-")) {
    throw new RunnerFault("bad_request", `branch '${branch}' is not a valid git branch name`);
  }
}

/** One commit holding the whole working tree, with the starting commit as its parent. */
async function commitChanges(shadow: ShadowGit, message: string) {
  const tree = (await shadow.git("writing the tree", ["write-tree"])).stdout.trim();
  const baseTree = (
    await shadow.git("reading the starting tree", ["rev-parse", `${shadow.base}^{tree}`])
  ).stdout.trim();
  if (tree === baseTree) {
    throw new RunnerFault("push_refused", "nothing to push: nothing changed since the session started");
  }
  const names = await shadow.git(
    "listing the changes",
    ["diff", "--cached", "--name-only", "-z", shadow.base],
    {
      rawStdoutBytes: 4 * 1024 * 1024,
    },
  );
  const filesChanged = (names.raw?.bytes.toString("utf8") ?? "").split("\0").filter(Boolean).length;
  const identity = {
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
  };
  const committed = await shadow.git("committing", ["commit-tree", tree, "-p", shadow.base, "-m", message], {
    env: identity,
  });
  const commit = committed.stdout.trim();
  if (!OBJECT_ID.test(commit)) throw new RunnerFault("git_failed", "committing gave no commit id");
  return { commit, filesChanged };
}

/**
 * Refuses a branch that exists on the remote, is its default branch, or is protected. Returns the
 * default branch the remote advertised.
 */
async function refuseExisting(
  shadow: ShadowGit,
  url: string,
  request: PushRequest,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
): Promise<string | undefined> {
  const listed = await shadow.git(
    "reading the remote's branches",
    ["ls-remote", "--symref", "--", url, "HEAD", `refs/heads/${request.branch}`],
    { env, network: true, redactor },
  );
  const lines = listed.stdout.split("\n");
  const defaultBranch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listed.stdout)?.[1];
  const protectedNames = new Set([
    ...(request.protected_branches ?? []),
    ...(defaultBranch ? [defaultBranch] : []),
  ]);
  if (protectedNames.has(request.branch)) {
    throw new RunnerFault(
      "push_refused",
      `'${request.branch}' is the repository's default branch (or the one the session started from): push to a new branch`,
    );
  }
  if (lines.some((line) => line.endsWith(`\trefs/heads/${request.branch}`))) {
    throw new RunnerFault(
      "push_refused",
      `branch '${request.branch}' already exists on the remote: choose a new name (pushes never overwrite a branch)`,
    );
  }
  return defaultBranch;
}
