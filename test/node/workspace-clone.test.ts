import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloneResponse, RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { createGitFixture, type GitFixture } from "../helpers/git-fixture.ts";
import { request } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let scratch: string;
let repos: GitFixture;
let outside: string;
/** Allows file:// clones (KIRO_ALLOW_FILE_CLONES=1), and dumps git's environment through a hook. */
let runner: RunnerProcess;
/** The default: file:// refused. */
let strict: RunnerProcess;
let envDump: string;

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-clone-test-")));
  mkdirSync(path.join(scratch, "repos"));
  repos = createGitFixture(path.join(scratch, "repos"));
  outside = path.join(scratch, "outside");
  mkdirSync(outside);
  // git copies hooks from the template directory into every clone and runs post-checkout after
  // checking out: a window onto the environment the runner gives git.
  envDump = path.join(scratch, "git-env.txt");
  const hooks = path.join(scratch, "template", "hooks");
  mkdirSync(hooks, { recursive: true });
  writeFileSync(path.join(hooks, "post-checkout"), `#!/bin/sh\nenv > '${envDump}'\n`);
  chmodSync(path.join(hooks, "post-checkout"), 0o755);
  [runner, strict] = await Promise.all([
    startRunner({
      env: {
        KIRO_ALLOW_FILE_CLONES: "1",
        GIT_TEMPLATE_DIR: path.join(scratch, "template"),
        GIT_ASKPASS: "/bin/false",
      },
    }),
    startRunner(),
  ]);
  symlinkSync(outside, path.join(runner.workspaceRoot, "escape-link"));
  symlinkSync(outside, path.join(runner.workspaceRoot, "target-link"));
});

afterAll(async () => {
  await Promise.all([runner?.stop(), strict?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

const clone = (target: RunnerProcess, body: unknown) =>
  request<CloneResponse & RunnerErrorBody>(target, "POST", "/workspace/clone", body);

describe("POST /workspace/clone", () => {
  it("clones the default branch into a new directory, creating its parents", async () => {
    const response = await clone(runner, { url: repos.url, path: "repos/app" });
    const dir = path.join(runner.workspaceRoot, "repos", "app");
    expect(response).toEqual({ status: 200, body: { path: dir, commit: repos.main, branch: "main" } });
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe("# cloned\n");
    expect(existsSync(path.join(dir, "feature.txt"))).toBe(false);
  });

  it("checks out a branch or a tag given as ref", async () => {
    const branch = await clone(runner, { url: repos.url, path: "on-feature", ref: "feature" });
    expect(branch.body).toMatchObject({ commit: repos.feature, branch: "feature" });
    expect(existsSync(path.join(runner.workspaceRoot, "on-feature", "feature.txt"))).toBe(true);
    const tag = await clone(runner, { url: repos.url, path: "on-tag", ref: "v1" });
    expect(tag.body).toMatchObject({ commit: repos.main, branch: null });
  });

  it("clones into an existing empty directory, given as an absolute path", async () => {
    const dir = path.join(runner.workspaceRoot, "empty-dir");
    mkdirSync(dir);
    const response = await clone(runner, { url: repos.url, path: dir });
    expect(response.body).toEqual({ path: dir, commit: repos.main, branch: "main" });
  });

  it("gives git no runner secret, no API key and no way to prompt", async () => {
    rmSync(envDump, { force: true });
    expect((await clone(runner, { url: repos.url, path: "env-check" })).status).toBe(200);
    const env = readFileSync(envDump, "utf8");
    expect(env).not.toContain("KIRO_RUNNER_SECRET");
    expect(env).not.toContain("KIRO_API_KEY");
    expect(env).not.toContain(runner.secret);
    expect(env).toContain("GIT_TERMINAL_PROMPT=0\n");
    // Set to /bin/false in the runner's environment: git gets it empty, so it asks no program.
    expect(env).toMatch(/^GIT_ASKPASS=$/m);
    expect(env).toContain("GIT_ALLOW_PROTOCOL=https:ssh:file\n");
  });

  it("refuses a target that exists and is not empty", async () => {
    mkdirSync(path.join(runner.workspaceRoot, "full"));
    writeFileSync(path.join(runner.workspaceRoot, "full", "keep.txt"), "mine");
    writeFileSync(path.join(runner.workspaceRoot, "a-file"), "mine");
    for (const target of ["full", "a-file"]) {
      const response = await clone(runner, { url: repos.url, path: target });
      expect([response.status, response.body.error.code], target).toEqual([400, "bad_request"]);
      expect(response.body.error.message).toBe(`'${target}' already exists and is not empty`);
    }
    expect(readdirSync(path.join(runner.workspaceRoot, "full"))).toEqual(["keep.txt"]);
    const root = await clone(runner, { url: repos.url, path: "." });
    expect(root.body.error.message).toContain("names the workspace root");
  });

  it("refuses targets outside the workspace, and clones nothing there", async () => {
    const cases: [string, string][] = [
      ["../escaped", "outside the workspace root"],
      [path.join(outside, "direct"), "outside the workspace root"],
      ["escape-link/through", "leads through a symlink"],
      ["target-link", "leads through a symlink"],
    ];
    for (const [target, message] of cases) {
      const response = await clone(runner, { url: repos.url, path: target });
      expect([response.status, response.body.error.code], target).toEqual([403, "workspace_escape"]);
      expect(response.body.error.message).toContain(message);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(runner.workspaceRoot, "..", "escaped"))).toBe(false);
  });

  it("refuses URLs git could take for an option, a command or a local path", async () => {
    const cases: [unknown, string][] = [
      [`-u${repos.url}`, "url must not start with -"],
      ["--upload-pack=touch /tmp/x", "url must not start with -"],
      ["ext::sh -c touch% /tmp/pwned", "url must not contain whitespace"],
      ["ext::sh", "url must be an https://, ssh://, file:// or user@host:path URL"],
      ["fd::3", "url must be an https://, ssh://, file:// or user@host:path URL"],
      [path.join(scratch, "repos", "origin.git"), "url must be an https://"],
      ["http://example.com/repo.git", "url must be an https://"],
      ["https://example.com/my repo.git", "url must not contain whitespace"],
      ["https://example.com/repo.git\n", "url must not contain whitespace"],
      ["https://example.com/\u0000repo.git", "url must not contain whitespace or control characters"],
      ["ssh://-oProxyCommand=touch%20x/repo.git", "url must name a host after ssh://"],
      ["https:///repo.git", "url must name a host after https://"],
      [42, "url must be a string"],
    ];
    for (const [url, message] of cases) {
      const response = await clone(runner, { url, path: "refused" });
      expect([response.status, response.body.error.message], String(url)).toEqual([
        400,
        expect.stringContaining(message),
      ]);
    }
    expect(existsSync(path.join(runner.workspaceRoot, "refused"))).toBe(false);
  });

  it("refuses file:// URLs unless KIRO_ALLOW_FILE_CLONES=1", async () => {
    const response = await clone(strict, { url: repos.url, path: "local" });
    expect([response.status, response.body.error.code]).toEqual([400, "bad_request"]);
    expect(response.body.error.message).toBe(
      "url file:// URLs are refused (the runner allows them only with KIRO_ALLOW_FILE_CLONES=1)",
    );
    expect(existsSync(path.join(strict.workspaceRoot, "local"))).toBe(false);
  });

  it("refuses refs that are not plain branch or tag names, and unknown fields", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ref: "-b" }, "ref must be a branch or tag name"],
      [{ ref: "--upload-pack=x" }, "ref must be a branch or tag name"],
      [{ ref: "a b" }, "ref must be a branch or tag name"],
      [{ ref: "x".repeat(201) }, "ref must be a branch or tag name"],
      [{ ref: "" }, "ref must be a branch or tag name"],
      [{ depth: 5 }, "depth is not a known field"],
      [{ path: "" }, "path must not be empty"],
    ];
    for (const [fields, message] of cases) {
      const response = await clone(runner, { url: repos.url, path: "refs", ...fields });
      expect([response.status, response.body.error.message], JSON.stringify(fields)).toEqual([
        400,
        expect.stringContaining(message),
      ]);
    }
  });

  it("answers clone_failed with git's words when the repository does not exist, leaving nothing", async () => {
    const missing = `${repos.url.replace(/origin\.git$/, "")}missing.git`;
    const response = await clone(runner, { url: missing, path: "nothing/here" });
    expect([response.status, response.body.error.code]).toEqual([422, "clone_failed"]);
    expect(response.body.error.message).toMatch(
      /^git clone failed: git exited with code 128: .*does not appear to be a git repository/s,
    );
    expect(existsSync(path.join(runner.workspaceRoot, "nothing", "here"))).toBe(false);
    mkdirSync(path.join(runner.workspaceRoot, "stays-empty"));
    const intoEmpty = await clone(runner, { url: missing, path: "stays-empty" });
    expect(intoEmpty.status).toBe(422);
    expect(readdirSync(path.join(runner.workspaceRoot, "stays-empty"))).toEqual([]);
    const badRef = await clone(runner, { url: repos.url, path: "bad-ref", ref: "no-such-branch" });
    expect(badRef.body.error.message).toContain("Remote branch no-such-branch not found");
    expect(existsSync(path.join(runner.workspaceRoot, "bad-ref"))).toBe(false);
  });

  it("fails a repository without commits: it has no HEAD to report", async () => {
    const response = await clone(runner, { url: repos.emptyUrl, path: "empty-repo" });
    expect([response.status, response.body.error.code]).toEqual([422, "clone_failed"]);
    expect(response.body.error.message).toMatch(
      /^reading the clone's HEAD \(an empty repository has none\) failed/,
    );
    expect(existsSync(path.join(runner.workspaceRoot, "empty-repo"))).toBe(false);
  });

  it("never shows credentials from the URL", async () => {
    const token = "tok-3f9a8b7c6d5e";
    const response = await clone(runner, {
      url: `https://user:${token}@127.0.0.1:9/repo.git`,
      path: "private",
    });
    expect([response.status, response.body.error.code]).toEqual([422, "clone_failed"]);
    expect(response.body.error.message).not.toContain(token);
    expect(runner.stderr()).not.toContain(token);
  });
});

describe("POST /workspace/clone limits", () => {
  it("stops a clone that exceeds KIRO_CLONE_TIMEOUT_MS and removes what it wrote", async () => {
    const slow = await startRunner({ env: { KIRO_ALLOW_FILE_CLONES: "1", KIRO_CLONE_TIMEOUT_MS: "1" } });
    try {
      const response = await clone(slow, { url: repos.url, path: "late" });
      expect([response.status, response.body.error.code]).toEqual([422, "clone_failed"]);
      expect(response.body.error.message).toMatch(
        /^git clone did not finish within 1 ms \(KIRO_CLONE_TIMEOUT_MS\) and was stopped/,
      );
      expect(existsSync(path.join(slow.workspaceRoot, "late"))).toBe(false);
    } finally {
      await slow.stop();
    }
  });

  it("says git is missing when it is not on PATH", async () => {
    const noGit = await startRunner({
      env: { KIRO_ALLOW_FILE_CLONES: "1", PATH: path.join(scratch, "no-bin") },
    });
    try {
      const response = await clone(noGit, { url: repos.url, path: "no-git" });
      expect(response).toEqual({
        status: 422,
        body: {
          error: {
            code: "clone_failed",
            message:
              "git was not found on the runner's PATH: install git in the runner's image to clone repositories",
          },
        },
      });
      expect(existsSync(path.join(noGit.workspaceRoot, "no-git"))).toBe(false);
    } finally {
      await noGit.stop();
    }
  });
});
