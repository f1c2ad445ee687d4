/**
 * A host runner shared by several users (RUNNER_USER_HEADER): each user's paths stay in their own
 * area, `.git` and the protected state are out of every operation's reach, kiro-cli gets the
 * user's own home and none of the operator's environment or key, and no user can take every slot.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { slotRefusal } from "../../container/src/runs/run-slots.ts";
import { type RunnerTarget, request, runToEnd, startRun, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const KEY = "alice-own-kiro-key-0123456789";
let runner: RunnerProcess;
let alice: RunnerTarget;
let bob: RunnerTarget;

beforeAll(async () => {
  runner = await startRunner({
    env: {
      KIRO_DRIVER: "headless",
      KIRO_MAX_ACTIVE_RUNS: "4",
      KIRO_PROTECTED_PATHS: ".kiro-dev",
      SSH_AUTH_SOCK: "/tmp/operator-agent.sock",
      GIT_ASKPASS: "/usr/local/bin/operator-askpass",
      GITHUB_TOKEN: "ghp_operator-token-0123456789",
    },
  });
  const as = (user: string): RunnerTarget => ({
    url: runner.url,
    headers: { ...runner.headers, "x-kiro-user": user },
  });
  alice = as("alice");
  bob = as("bob");
  mkdirSync(path.join(runner.workspaceRoot, ".kiro-dev"));
  writeFileSync(path.join(runner.workspaceRoot, ".kiro-dev", "admin-token"), "operator's");
  mkdirSync(path.join(runner.workspaceRoot, ".git"));
  writeFileSync(path.join(runner.workspaceRoot, ".git", "config"), "[core]\n");
});
afterAll(async () => {
  await runner?.stop();
});

async function save(target: RunnerTarget, file: string) {
  return request<{ path: string } & RunnerErrorBody>(target, "POST", "/workspace/files", {
    path: file,
    content: "x",
  });
}

describe("each user's own area", () => {
  it("resolves a user's paths inside kiro-users/<user>/, created on first use", async () => {
    const root = await request<{ path: string }>(alice, "POST", "/workspace/resolve", { path: "" });
    expect(root.body.path).toBe(path.join(runner.workspaceRoot, "kiro-users", "alice"));
    const saved = await save(alice, "notes/a.md");
    expect(saved.body.path).toBe(path.join(runner.workspaceRoot, "kiro-users", "alice", "notes", "a.md"));
  });

  it.each([
    ["another user's area", "../bob/planted.md"],
    ["the operator's checkout", "../../planted.md"],
    ["the state directory", "../../.kiro-dev/admin-token"],
    ["the root by absolute path", "ROOT/planted.md"],
  ])("refuses a write into %s, without showing the root's path", async (_name, file) => {
    const refused = await save(alice, file.replace("ROOT", runner.workspaceRoot));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("outside the workspace root");
    if (!file.startsWith("ROOT")) expect(refused.body.error.message).not.toContain(runner.workspaceRoot);
    expect(readFileSync(path.join(runner.workspaceRoot, ".kiro-dev", "admin-token"), "utf8")).toBe(
      "operator's",
    );
  });

  it("refuses another user's area as a working directory and a clone target", async () => {
    await save(bob, "mine.md");
    const cwd = await request<RunnerErrorBody>(alice, "POST", "/workspace/resolve", { path: "../bob" });
    expect(cwd.body.error.code).toBe("workspace_escape");
    const clone = await request<RunnerErrorBody>(alice, "POST", "/workspace/clone", {
      url: "https://example.com/x.git",
      path: "../bob/x",
    });
    expect(clone.body.error.code).toBe("workspace_escape");
  });
});

describe("out of every operation's reach", () => {
  const unscoped = () => runner;

  it.each([
    [".git/config", "a .git directory"],
    [".git/hooks/post-checkout", "a .git directory"],
    ["repo/.GIT/config", "a .git directory"],
    ["repo/.git", "a .git directory"],
    [".kiro-dev/admin-token", "the server's own state"],
  ])("refuses to write %s", async (file, says) => {
    const refused = await save(unscoped(), file);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(`in ${says}`);
  });

  it("leaves the files it refused untouched, and makes no directory on the way", async () => {
    expect(readFileSync(path.join(runner.workspaceRoot, ".git", "config"), "utf8")).toBe("[core]\n");
    expect(readFileSync(path.join(runner.workspaceRoot, ".kiro-dev", "admin-token"), "utf8")).toBe(
      "operator's",
    );
    const hooks = await request(unscoped(), "POST", "/workspace/resolve", { path: ".git/hooks" });
    expect(hooks.status).toBe(422);
  });

  it.each([".git", ".kiro-dev"])("refuses %s as a working directory or a clone target", async (dir) => {
    const cwd = await request<RunnerErrorBody>(unscoped(), "POST", "/workspace/resolve", { path: dir });
    expect(cwd.body.error.code).toBe("workspace_escape");
    const clone = await request<RunnerErrorBody>(unscoped(), "POST", "/workspace/clone", {
      url: "https://example.com/x.git",
      path: `${dir}/clone`,
    });
    expect(clone.body.error.code).toBe("workspace_escape");
  });

  it("refuses a symlink that leads into .git", async () => {
    const { symlinkSync } = await import("node:fs");
    symlinkSync(path.join(runner.workspaceRoot, ".git"), path.join(runner.workspaceRoot, "git-link"));
    const refused = await save(unscoped(), "git-link/hooks/pre-commit");
    expect(refused.body.error.message).toContain("a .git directory");
  });
});

describe("kiro-cli for a scoped user", () => {
  it("gets the user's own home and key, and nothing of the operator's", async () => {
    const events = await runToEnd(alice, {
      message: [
        "@echo-env HOME",
        "@echo-env KIRO_HOME",
        "@echo-env SSH_AUTH_SOCK",
        "@echo-env GIT_ASKPASS",
        "@echo-env GITHUB_TOKEN",
        "@echo-env KIRO_RUNNER_SECRET",
        "@echo-env GIT_CONFIG_NOSYSTEM",
        "@key-hash",
      ].join("\n"),
      kiro_api_key: KEY,
    });
    const text = textOf(events);
    const home = /^HOME=(.*)$/m.exec(text)?.[1] ?? "";
    expect(home).toContain(path.join("users", "alice"));
    expect(home.startsWith(runner.workspaceRoot)).toBe(false);
    expect(text).toContain(`KIRO_HOME=${path.join(home, ".kiro")}\n`);
    for (const name of ["SSH_AUTH_SOCK", "GIT_ASKPASS", "GITHUB_TOKEN", "KIRO_RUNNER_SECRET"]) {
      expect(text).toContain(`${name} is unset\n`);
    }
    expect(text).toContain("GIT_CONFIG_NOSYSTEM=1\n");
    expect(text).not.toContain("KIRO_API_KEY is unset");
  });

  it("never falls back to the runner's own key", async () => {
    const refused = await request<RunnerErrorBody>(alice, "POST", "/runs", {
      run_id: "no-key",
      message: "hi",
      cwd: "",
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("kiro_auth_missing");
  });

  it("keeps each user's conversations apart", async () => {
    await runToEnd(alice, { message: "alice's secret plan", kiro_api_key: KEY });
    const recalled = await runToEnd(bob, { message: "@recall", kiro_api_key: KEY, resume: true });
    expect(textOf(recalled)).toContain("recall: 0 earlier turn(s)");
    expect(JSON.stringify(recalled)).not.toContain("secret plan");
  });
});

describe("fair share of the run slots", () => {
  it("keeps a slot for a user with no run when others hold theirs (KIRO_MAX_ACTIVE_RUNS=4)", async () => {
    const hang = (target: RunnerTarget) => startRun(target, { message: "@hang", kiro_api_key: KEY });
    const refused = async (target: RunnerTarget) =>
      (
        await request<RunnerErrorBody>(target, "POST", "/runs", {
          run_id: `r${Math.random()}`,
          message: "@hang",
          cwd: "",
          kiro_api_key: KEY,
        })
      ).body.error;
    const carol = { url: runner.url, headers: { ...runner.headers, "x-kiro-user": "carol" } };
    const dave = { url: runner.url, headers: { ...runner.headers, "x-kiro-user": "dave" } };
    const runs = [await hang(alice), await hang(alice)];
    expect((await refused(alice))?.message).toContain("the most one user may");
    runs.push(await hang(bob));
    expect((await refused(bob))?.message).toContain("users with no run yet");
    runs.push(await hang(carol));
    expect((await refused(dave))?.code).toBe("too_many_runs");
    for (const runId of runs) await request(runner, "POST", `/runs/${runId}/cancel`);
  });

  it.each([
    [8, ["a", "a", "a", "a"], "a", "the most one user may"],
    [8, ["a", "a", "a", "b", "b", "b"], "b", "no run yet"],
    [8, ["a", "a", "a", "b", "b", "b"], "c", undefined],
    [1, [], "a", undefined],
    [1, ["a"], "b", "already active"],
    [8, ["", "", "", "", "", "", ""], undefined, undefined],
  ])("max %i with runs of %j: %s is told %s", (max, running, user, says) => {
    const refusal = slotRefusal({ max, running, user });
    if (says === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toContain(says);
  });
});
