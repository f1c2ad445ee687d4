/**
 * Starts the real runner (with the stand-in kiro-cli) behind a fault proxy, plus a small control
 * server through which tests in workerd can cut the proxy's connections or restart the runner.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startFaultProxy } from "../helpers/fault-proxy.ts";
import { createGitFixture } from "../helpers/git-fixture.ts";
import { startGitHttpServer } from "../helpers/git-http-server.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

export default async function setup(project: TestProject) {
  const scratch = mkdtempSync(path.join(tmpdir(), "kiro-worker-tests-"));
  const workspaceRoot = path.join(scratch, "workspace");
  mkdirSync(path.join(workspaceRoot, "project"), { recursive: true });
  // A link from inside the workspace to outside it: following it must be refused.
  mkdirSync(path.join(scratch, "outside"));
  symlinkSync(path.join(scratch, "outside"), path.join(workspaceRoot, "link-out"));
  // With tokens, each user works in their own area of the shared host runner: the same fixtures
  // in the areas of the auth tests' users.
  mkdirSync(path.join(workspaceRoot, "kiro-users", "alice", "project"), { recursive: true });
  mkdirSync(path.join(workspaceRoot, "kiro-users", "bob"), { recursive: true });
  symlinkSync(path.join(scratch, "outside"), path.join(workspaceRoot, "kiro-users", "bob", "link-out"));
  const kiroHome = path.join(scratch, "kiro-home");
  // Custom agents: one global, one in the "project" workspace directory.
  mkdirSync(path.join(kiroHome, "agents"), { recursive: true });
  writeFileSync(
    path.join(kiroHome, "agents", "reviewer.json"),
    JSON.stringify({ description: "Reviews code" }),
  );
  mkdirSync(path.join(workspaceRoot, "project", ".kiro", "agents"), { recursive: true });
  writeFileSync(
    path.join(workspaceRoot, "project", ".kiro", "agents", "builder.json"),
    JSON.stringify({ description: "Builds the project" }),
  );
  const driver = project.name.endsWith("-headless") ? "headless" : "acp";
  // A local repository for kiro_session_create {repository}: file:// clones are for tests only.
  mkdirSync(path.join(scratch, "git"));
  const repos = createGitFixture(path.join(scratch, "git"));
  // The same repositories over http with basic auth: a private repository, cloned and pushed to
  // with the user's GIT_TOKEN. Plain http is allowed to loopback only, and only here.
  const gitToken = `ghp_worker${randomBytes(12).toString("hex")}`;
  const gitServer = await startGitHttpServer({
    root: path.join(scratch, "git"),
    auth: { username: "x-access-token", password: gitToken },
  });
  const runnerEnv = {
    KIRO_DRIVER: driver,
    KIRO_ALLOW_FILE_CLONES: "1",
    KIRO_GIT_ALLOW_HTTP_HOSTS: "127.0.0.1",
  };
  const options = { workspaceRoot, kiroHome, env: runnerEnv };
  let runner: RunnerProcess = await startRunner(options);
  const proxy = await startFaultProxy(runner.port);

  const control = http.createServer((request, response) => {
    const reply = (body: unknown) =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (request.url === "/cut") return reply({ cut: proxy.cut() });
    if (request.url?.startsWith("/file?")) {
      // Lets tests in workerd read what the runner wrote into the workspace.
      const relative = new URL(request.url, "http://control").searchParams.get("path") ?? "";
      const file = path.resolve(workspaceRoot, relative);
      return reply({
        content: file.startsWith(workspaceRoot) && existsSync(file) ? readFileSync(file, "utf8") : null,
      });
    }
    if (request.url?.startsWith("/bare?")) {
      // What a branch of the bare repository holds: tests check what a push landed.
      const query = new URL(request.url, "http://control").searchParams;
      return reply(
        bareBranch(path.join(scratch, "git", "origin.git"), query.get("branch") ?? "", query.get("file")),
      );
    }
    if (request.url?.startsWith("/restart-runner")) {
      // SIGKILL models a crash; SIGTERM a graceful stop (a container being replaced).
      const signal = request.url.endsWith("?graceful") ? "SIGTERM" : "SIGKILL";
      void (async () => {
        await runner.stop(signal);
        proxy.cut();
        runner = await startRunner({ ...options, secret: runner.secret });
        proxy.retarget(runner.port);
        reply({ boot_id: runner.bootId });
      })();
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const { port } = control.address() as import("node:net").AddressInfo;

  project.provide("runnerUrl", proxy.url);
  project.provide("runnerSecret", runner.secret);
  project.provide("controlUrl", `http://127.0.0.1:${port}`);
  project.provide("workspaceRoot", workspaceRoot);
  project.provide("gitRepository", { url: repos.url, commit: repos.main, featureCommit: repos.feature });
  project.provide("privateRepository", { url: gitServer.url("origin.git"), token: gitToken });

  return async () => {
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await proxy.close();
    await gitServer.close();
    await runner.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}

/** A branch of a bare repository: its commit, its parent, what changed since main, one file. */
function bareBranch(gitDir: string, branch: string, file: string | null) {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", stdio: "pipe" });
    } catch {
      return null;
    }
  };
  return {
    commit: git("rev-parse", "--verify", `refs/heads/${branch}`)?.trim() ?? null,
    parent: git("rev-parse", "--verify", `refs/heads/${branch}^`)?.trim() ?? null,
    changes: git("diff", "--name-status", "main", `refs/heads/${branch}`),
    content: file === null ? null : git("show", `refs/heads/${branch}:${file}`),
  };
}
