/**
 * A session's clone as a run (POST /workspace/clone with a run id: answered at once, progress as
 * notices, the clone's commit on the exit event), and a clone made again before a turn when its
 * directory is gone (StartRunRequest.workspace), against the loopback git server with basic auth.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloneResponse, RunEvent } from "../../container/src/protocol/index.ts";
import { createGitFixture, type GitFixture } from "../helpers/git-fixture.ts";
import { type GitHttpServer, startGitHttpServer } from "../helpers/git-http-server.ts";
import { collectEvents, exitOf, request, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const TOKEN = "glpat-loopback0123456789";
let scratch: string;
let repos: GitFixture;
let server: GitHttpServer;
let runner: RunnerProcess;

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-prepare-test-")));
  mkdirSync(path.join(scratch, "repos"));
  repos = createGitFixture(path.join(scratch, "repos"));
  server = await startGitHttpServer({
    root: path.join(scratch, "repos"),
    auth: { username: "x-access-token", password: TOKEN },
  });
  runner = await startRunner({ env: { KIRO_GIT_ALLOW_HTTP_HOSTS: "127.0.0.1" } });
});

afterAll(async () => {
  await Promise.all([runner?.stop(), server?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

async function cloneRun(body: Record<string, unknown>): Promise<RunEvent[]> {
  const runId = randomUUID();
  const started = await request(runner, "POST", "/workspace/clone", {
    ...body,
    run_id: runId,
    session_key: "s1",
  });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return collectEvents(runner, runId);
}

const notices = (events: RunEvent[]) => updatesOf(events, "notice").map((event) => event.text);

describe("a clone as a run", () => {
  it("answers at once, reports progress as notices, and ends with the clone on its exit event", async () => {
    const events = await cloneRun({ url: server.url("origin.git"), path: "run-clone", git_token: TOKEN });
    const exit = exitOf(events);
    const dir = path.join(runner.workspaceRoot, "run-clone");
    expect(exit).toMatchObject({ status: "completed", reason: "exited" });
    expect(exit.metadata).toEqual({ path: dir, commit: repos.main, branch: "main" });
    expect(notices(events)[0]).toBe(`Cloning ${server.url("origin.git")}…`);
    expect(notices(events).at(-1)).toBe(`Cloned ${repos.main.slice(0, 12)} into ${dir}.`);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe("# cloned\n");
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it("ends with reason prepare_failed and git's words when the clone fails, leaving nothing", async () => {
    const events = await cloneRun({ url: server.url("origin.git"), path: "refused-clone" });
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "prepare_failed" });
    expect(exitOf(events).error).toMatch(
      /^git clone failed: .*(could not read Username|Authentication failed)/s,
    );
    expect(existsSync(path.join(runner.workspaceRoot, "refused-clone"))).toBe(false);
  });
});

describe("a turn whose clone is gone", () => {
  let clone: CloneResponse;
  const source = () => ({
    url: server.url("origin.git"),
    commit: repos.main,
    branch: "main",
    git_token: TOKEN,
  });

  beforeAll(async () => {
    const events = await cloneRun({ url: server.url("origin.git"), path: "lost/app", git_token: TOKEN });
    clone = exitOf(events).metadata as unknown as CloneResponse;
    await runToEnd(runner, { message: "@write lost.txt unpushed\\n", cwd: clone.path, session_key: "s2" });
    rmSync(path.join(runner.workspaceRoot, "lost"), { recursive: true });
  });

  it("clones it again at the session's commit, says so, then runs the turn there", async () => {
    const events = await runToEnd(runner, {
      message: "@write fresh.txt new\\n",
      cwd: clone.path,
      session_key: "s2",
      workspace: source(),
    });
    expect(exitOf(events).status, JSON.stringify(exitOf(events))).toBe("completed");
    expect(notices(events)[0]).toContain(`working directory ${clone.path} is gone`);
    expect(notices(events)).toContain(`Working directory rebuilt at ${repos.main.slice(0, 12)}.`);
    expect(textOf(events)).toContain("wrote fresh.txt");
    expect(readFileSync(path.join(clone.path, "fresh.txt"), "utf8")).toBe("new\n");
    expect(existsSync(path.join(clone.path, "lost.txt"))).toBe(false);
    expect(readFileSync(path.join(clone.path, ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it("leaves a clone that is there alone", async () => {
    const events = await runToEnd(runner, {
      message: "hello",
      cwd: clone.path,
      session_key: "s2",
      workspace: source(),
    });
    expect(exitOf(events).status).toBe("completed");
    expect(notices(events)).toEqual([]);
    expect(existsSync(path.join(clone.path, "fresh.txt"))).toBe(true);
  });

  it("fails the run with prepare_failed when the clone cannot be made", async () => {
    rmSync(clone.path, { recursive: true });
    const events = await runToEnd(runner, {
      message: "hello",
      cwd: clone.path,
      session_key: "s2",
      workspace: { ...source(), git_token: "wrong-token-000" },
    });
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "prepare_failed" });
    expect(existsSync(clone.path)).toBe(false);
  });
});
