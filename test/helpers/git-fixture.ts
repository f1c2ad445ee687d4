/**
 * Local git repositories to clone from in tests: a bare repository with a `main` branch, a
 * `feature` branch one commit ahead and a `v1` tag on main's commit, plus an empty bare repository.
 * Built with the real `git` (argument arrays, no shell) in a temp dir the caller removes.
 *
 *   const repos = createGitFixture(scratch);
 *   repos.url            // file:///…/origin.git
 *   repos.main, repos.feature   // commit ids
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface GitFixture {
  /** file:// URL of the bare repository. */
  url: string;
  /** file:// URL of a bare repository without any commit. */
  emptyUrl: string;
  /** Commit of `main` (and of tag `v1`). */
  main: string;
  /** Commit of `feature`. */
  feature: string;
}

/** Identity and settings that make commits work whatever the machine's git config says. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: "pipe" }).trim();
}

export function createGitFixture(dir: string): GitFixture {
  const work = path.join(dir, "work");
  mkdirSync(work);
  git(work, "init", "--quiet", "--initial-branch=main");
  writeFileSync(path.join(work, "README.md"), "# cloned\n");
  git(work, "add", "README.md");
  git(work, "commit", "--quiet", "-m", "first");
  const main = git(work, "rev-parse", "HEAD");
  git(work, "tag", "v1");
  git(work, "checkout", "--quiet", "-b", "feature");
  writeFileSync(path.join(work, "feature.txt"), "only on feature\n");
  git(work, "add", "feature.txt");
  git(work, "commit", "--quiet", "-m", "feature");
  const feature = git(work, "rev-parse", "HEAD");
  git(work, "checkout", "--quiet", "main");
  git(dir, "clone", "--quiet", "--bare", work, "origin.git");
  git(dir, "init", "--quiet", "--bare", "empty.git");
  return {
    url: pathToFileURL(path.join(dir, "origin.git")).href,
    emptyUrl: pathToFileURL(path.join(dir, "empty.git")).href,
    main,
    feature,
  };
}
