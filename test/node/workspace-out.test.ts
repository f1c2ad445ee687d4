/**
 * Getting work in and out of a session's clone, against a real git server on loopback (git
 * http-backend behind basic auth): a clone with the user's credential that leaves no trace of it,
 * a turn of the stand-in kiro-cli editing files, the diff of that turn, one file read back, and a
 * push to a new branch that lands exactly those changes in the bare repository. Plain http:// is
 * allowed only because these runners have KIRO_GIT_ALLOW_HTTP_HOSTS=127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CloneResponse,
  DiffResponse,
  PushResponse,
  ReadFileResponse,
  RunnerErrorBody,
} from "../../container/src/protocol/index.ts";
import { createGitFixture, type GitFixture } from "../helpers/git-fixture.ts";
import { type GitHttpServer, startGitHttpServer } from "../helpers/git-http-server.ts";
import { exitOf, request, runToEnd } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const TOKEN = "ghp_loopbackToken0123456789abcdef";
let scratch: string;
let repos: GitFixture;
let privateServer: GitHttpServer;
let publicServer: GitHttpServer;
let runner: RunnerProcess;

type Answer<T> = { status: number; body: T & RunnerErrorBody };
const post = <T>(body: unknown, route: string) =>
  request<T & RunnerErrorBody>(runner, "POST", route, body) as Promise<Answer<T>>;
const bare = (...args: string[]) =>
  execFileSync("git", ["--git-dir", path.join(scratch, "repos", "origin.git"), ...args], {
    encoding: "utf8",
  });

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-out-test-")));
  mkdirSync(path.join(scratch, "repos"));
  repos = createGitFixture(path.join(scratch, "repos"));
  const root = path.join(scratch, "repos");
  privateServer = await startGitHttpServer({ root, auth: { username: "x-access-token", password: TOKEN } });
  publicServer = await startGitHttpServer({ root });
  runner = await startRunner({ env: { KIRO_GIT_ALLOW_HTTP_HOSTS: "127.0.0.1" } });
});

afterAll(async () => {
  await Promise.all([runner?.stop(), privateServer?.close(), publicServer?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (readFileSync(file).includes(needle)) found.push(file);
  }
  return found;
}

describe("clone with the user's credential", () => {
  it("clones a private repository with git_token and leaves the token nowhere", async () => {
    const response = await post<CloneResponse>(
      { url: privateServer.url("origin.git"), path: "private", git_token: TOKEN },
      "/workspace/clone",
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ commit: repos.main, branch: "main" });
    expect(privateServer.requests.some((r) => r.sentCredential && r.authorized)).toBe(true);
    const clone = path.join(runner.workspaceRoot, "private");
    expect(readFileSync(path.join(clone, ".git", "config"), "utf8")).toContain(
      privateServer.url("origin.git"),
    );
    expect(filesContaining(clone, TOKEN)).toEqual([]);
    expect(runner.stderr()).not.toContain(TOKEN);
  });

  it("fails without the credential, with git's reason and no token anywhere", async () => {
    const response = await post<CloneResponse>(
      { url: privateServer.url("origin.git"), path: "no-credential" },
      "/workspace/clone",
    );
    expect([response.status, response.body.error.code]).toEqual([422, "clone_failed"]);
    expect(response.body.error.message).toMatch(/could not read Username|Authentication failed/);
  });

  it("takes a credential out of the URL: git uses it, .git/config never holds it", async () => {
    const url = privateServer.url("origin.git").replace("http://", `http://x-access-token:${TOKEN}@`);
    const response = await post<CloneResponse>({ url, path: "from-url" }, "/workspace/clone");
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(filesContaining(path.join(runner.workspaceRoot, "from-url"), TOKEN)).toEqual([]);
  });

  it("refuses plain http:// to a host KIRO_GIT_ALLOW_HTTP_HOSTS does not list", async () => {
    const strict = await startRunner();
    try {
      for (const url of [publicServer.url("origin.git"), "http://example.com/repo.git"]) {
        const response = await request<RunnerErrorBody>(strict, "POST", "/workspace/clone", {
          url,
          path: "x",
        });
        expect([response.status, response.body.error.message]).toEqual([
          400,
          expect.stringContaining("plain http:// is refused"),
        ]);
      }
    } finally {
      await strict.stop();
    }
  });
});

describe("a turn's changes: diff, file, push", () => {
  let clone: string;

  beforeAll(async () => {
    const cloned = await post<CloneResponse>(
      { url: publicServer.url("origin.git"), path: "work" },
      "/workspace/clone",
    );
    clone = cloned.body.path;
    const message = [
      "Change a few things",
      "@append README.md More text.\\n",
      "@write src/new.txt hello\\nworld\\n",
      "@write-bytes logo.bin 00ff10ee",
    ].join("\n");
    const events = await runToEnd(runner, { message, cwd: clone });
    expect(exitOf(events).status).toBe("completed");
  });

  it("shows every change since the starting commit, binary files named only", async () => {
    const { status, body } = await post<DiffResponse>({ cwd: clone, base: repos.main }, "/workspace/diff");
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.files).toEqual([
      { path: "README.md", status: "modified", binary: false, additions: 1, deletions: 0 },
      { path: "logo.bin", status: "added", binary: true, additions: null, deletions: null },
      { path: "src/new.txt", status: "added", binary: false, additions: 2, deletions: 0 },
    ]);
    expect(body.diff).toContain("+More text.");
    expect(body.diff).toContain("+hello\n+world");
    expect(body.diff).toContain("Binary files /dev/null and b/logo.bin differ");
    expect(body.truncated).toBe(false);
    const one = await post<DiffResponse>({ cwd: clone, base: repos.main, path: "src" }, "/workspace/diff");
    expect(one.body.files.map((file) => file.path)).toEqual(["src/new.txt"]);
  });

  it("cuts a long diff at a file boundary and says what it left out", async () => {
    const cloned = await post<CloneResponse>(
      { url: publicServer.url("origin.git"), path: "big" },
      "/workspace/clone",
    );
    writeFileSync(path.join(cloned.body.path, "a.txt"), "small\n");
    writeFileSync(path.join(cloned.body.path, "b-big.txt"), "0123456789abcdef\n".repeat(20_000));
    const { body } = await post<DiffResponse>({ cwd: cloned.body.path, base: repos.main }, "/workspace/diff");
    expect(body.files.map((file) => [file.path, file.additions])).toEqual([
      ["a.txt", 1],
      ["b-big.txt", 20_000],
    ]);
    expect(body.truncated).toBe(true);
    expect(body.diff).toContain("+small");
    expect(body.diff).not.toContain("b-big.txt");
    expect(body.diff_bytes).toBeGreaterThan(340_000);
    expect(body.notice).toMatch(
      /^The diff is \d+ bytes; this shows the first \d+ \(1 of 2 files\)\. Ask for one file with path/,
    );
  });

  it("reads one file back: text as UTF-8, binary as base64", async () => {
    const read = (file: string) =>
      request<ReadFileResponse & RunnerErrorBody>(
        runner,
        "GET",
        `/workspace/file?cwd=${encodeURIComponent(clone)}&path=${encodeURIComponent(file)}`,
      );
    expect((await read("src/new.txt")).body).toMatchObject({
      encoding: "utf8",
      content: "hello\nworld\n",
      mime_type: "text/plain",
      size: 12,
    });
    expect((await read("logo.bin")).body).toMatchObject({ encoding: "base64", content: "AP8Q7g==", size: 4 });
    const outside = await read("../private/README.md");
    expect([outside.status, outside.body.error.code]).toEqual([403, "workspace_escape"]);
  });

  it("pushes the changes to a new branch; the bare repository has exactly them", async () => {
    const push = await post<PushResponse>(
      {
        cwd: clone,
        base: repos.main,
        url: privateServer.url("origin.git"),
        branch: "kiro/first",
        git_token: TOKEN,
      },
      "/workspace/push",
    );
    expect(push.status, JSON.stringify(push.body)).toBe(200);
    expect(push.body).toMatchObject({ branch: "kiro/first", base: repos.main, files_changed: 3 });
    expect(bare("rev-parse", "kiro/first").trim()).toBe(push.body.commit);
    expect(bare("rev-parse", "kiro/first^").trim()).toBe(repos.main);
    expect(bare("diff", "--name-status", "main", "kiro/first")).toBe(
      "M\tREADME.md\nA\tlogo.bin\nA\tsrc/new.txt\n",
    );
    expect(bare("show", "kiro/first:src/new.txt")).toBe("hello\nworld\n");
    expect(bare("rev-parse", "main").trim()).toBe(repos.main);
    expect(runner.stderr()).not.toContain(TOKEN);
  });

  it("never overwrites a branch, never pushes to the default branch, never pushes nothing", async () => {
    const push = (branch: string, extra: Record<string, unknown> = {}) =>
      post<PushResponse>(
        { cwd: clone, base: repos.main, url: publicServer.url("origin.git"), branch, ...extra },
        "/workspace/push",
      );
    const again = await push("kiro/first");
    expect([again.status, again.body.error.message]).toEqual([
      409,
      expect.stringContaining("already exists"),
    ]);
    const main = await push("main");
    expect([main.status, main.body.error.message]).toEqual([409, expect.stringContaining("default branch")]);
    const bad = await push("-x");
    expect(bad.status).toBe(400);
    const pristine = await post<CloneResponse>(
      { url: publicServer.url("origin.git"), path: "pristine" },
      "/workspace/clone",
    );
    const nothing = await post<PushResponse>(
      { cwd: pristine.body.path, base: repos.main, url: publicServer.url("origin.git"), branch: "kiro/none" },
      "/workspace/push",
    );
    expect([nothing.status, nothing.body.error.message]).toEqual([
      409,
      expect.stringContaining("nothing to push"),
    ]);
    const unknownBase = await post<PushResponse>(
      { cwd: clone, base: repos.feature, url: publicServer.url("origin.git"), branch: "kiro/other" },
      "/workspace/push",
    );
    expect([unknownBase.status, unknownBase.body.error.code]).toEqual([422, "git_failed"]);
  });
});

describe("a repository that configures its own git", () => {
  it("runs none of the clone's hooks, filters or URL rewrites when diffing and pushing", async () => {
    const cloned = await post<CloneResponse>(
      { url: publicServer.url("origin.git"), path: "hostile" },
      "/workspace/clone",
    );
    const clone = cloned.body.path;
    const marker = path.join(scratch, "ran");
    const git = (...args: string[]) => execFileSync("git", ["-C", clone, ...args]);
    git("config", "core.hooksPath", path.join(scratch, "hooks"));
    git("config", "filter.evil.clean", `touch ${marker}`);
    git("config", `url.http://127.0.0.1:1/.insteadOf`, publicServer.url(""));
    mkdirSync(path.join(scratch, "hooks"));
    execFileSync("sh", ["-c", `printf '#!/bin/sh\\ntouch ${marker}\\n' > ${scratch}/hooks/pre-push`]);
    execFileSync("chmod", ["+x", path.join(scratch, "hooks", "pre-push")]);
    await runToEnd(runner, { message: "@write .gitattributes * filter=evil\n@write a.txt a\\n", cwd: clone });
    const diff = await post<DiffResponse>({ cwd: clone, base: repos.main }, "/workspace/diff");
    expect(diff.body.files.map((file) => file.path)).toEqual([".gitattributes", "a.txt"]);
    const push = await post<PushResponse>(
      { cwd: clone, base: repos.main, url: publicServer.url("origin.git"), branch: "kiro/hostile" },
      "/workspace/push",
    );
    expect(push.status, JSON.stringify(push.body)).toBe(200);
    expect(bare("show", "kiro/hostile:a.txt")).toBe("a\n");
    expect(() => statSync(marker)).toThrow();
  });
});
