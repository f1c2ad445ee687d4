/**
 * Getting your work back, end to end under `npm run dev` with the real MCP client: the user stores
 * their git credential with `npm run secrets -- set GIT_TOKEN`, creates a session from a private
 * repository (git http-backend behind basic auth on loopback, reachable over plain http only
 * because KIRO_GIT_ALLOW_HTTP_HOSTS=127.0.0.1), a turn of the stand-in kiro-cli changes files, the
 * diff shows them, and the push lands a new branch holding exactly those changes in the remote.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/dev-server.ts";
import { e2eSuite } from "../helpers/e2e-suite.ts";
import { createGitFixture, type GitFixture } from "../helpers/git-fixture.ts";
import { type GitHttpServer, startGitHttpServer } from "../helpers/git-http-server.ts";
import { callTool, createFromRepository, pollUntilDone, startTask } from "../helpers/mcp-client.ts";

const TOKEN = "ghp_e2eLoopback0123456789abcdef";
const e2e = e2eSuite({ env: { KIRO_GIT_ALLOW_HTTP_HOSTS: "127.0.0.1" } });
let scratch: string;
let repos: GitFixture;
let server: GitHttpServer;

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-e2e-git-")));
  mkdirSync(path.join(scratch, "repos"));
  repos = createGitFixture(path.join(scratch, "repos"));
  server = await startGitHttpServer({
    root: path.join(scratch, "repos"),
    auth: { username: "x-access-token", password: TOKEN },
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const bare = (...args: string[]) =>
  execFileSync("git", ["--git-dir", path.join(scratch, "repos", "origin.git"), ...args], {
    encoding: "utf8",
  });

it("clones a private repository with the stored GIT_TOKEN, shows a turn's changes and pushes them to a new branch", async () => {
  const stored = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, "scripts/secrets.ts"), "set", "GIT_TOKEN"],
    {
      input: `${TOKEN}\n`,
      env: { ...process.env, KIRO_URL: e2e.dev.baseUrl },
      encoding: "utf8",
    },
  );
  expect(stored.status, `${stored.stdout}\n${stored.stderr}`).toBe(0);

  const { session, setup } = await createFromRepository(e2e.client, {
    repository: server.url("origin.git"),
    working_directory: "work/app",
  });
  expect(setup.status, JSON.stringify(setup)).toBe("completed");
  expect(session).toMatchObject({ state: "ready", repository: { commit: repos.main } });

  const message = "Improve the project\n@append README.md Improved.\\n\n@write docs/notes.md # Notes\\n";
  const started = await startTask(e2e.client, message, session.session_id);
  expect((await pollUntilDone(e2e.client, started.task_id)).final.status).toBe("completed");

  const diff = await callTool<{ files: Array<{ path: string; status: string }>; diff: string }>(
    e2e.client,
    "kiro_workspace_diff",
    { session_id: session.session_id },
  );
  expect(diff.data.files.map((file) => `${file.status} ${file.path}`)).toEqual([
    "modified README.md",
    "added docs/notes.md",
  ]);
  expect(diff.data.diff).toContain("+Improved.");

  const pushed = await callTool<{ branch: string; commit: string }>(e2e.client, "kiro_workspace_push", {
    session_id: session.session_id,
    branch: "kiro/e2e",
    message: "Improve the project",
  });
  expect(pushed.isError, pushed.text).toBe(false);
  expect(bare("rev-parse", "kiro/e2e").trim()).toBe(pushed.data.commit);
  expect(bare("log", "-1", "--format=%s%n%P", "kiro/e2e")).toBe(`Improve the project\n${repos.main}\n`);
  expect(bare("diff", "--name-status", "main", "kiro/e2e")).toBe("M\tREADME.md\nA\tdocs/notes.md\n");
  expect(bare("show", "kiro/e2e:docs/notes.md")).toBe("# Notes\n");
  expect(e2e.dev.output()).not.toContain(TOKEN);
  expect(JSON.stringify([diff, pushed, session])).not.toContain(TOKEN);
});

it("takes no message while the clone runs, says which task to follow, and takes it once the clone is done", async () => {
  const gate = await startGate(new URL(server.url("")).port);
  try {
    const created = await callTool<{ session_id: string; state: string; setup_task_id: string }>(
      e2e.client,
      "kiro_session_create",
      { repository: `${gate.url}/origin.git`, working_directory: "work/gated" },
    );
    expect(created.data.state).toBe("preparing");
    await gate.reached;
    const early = await callTool(e2e.client, "kiro_chat_async", {
      message: "hi",
      session_id: created.data.session_id,
    });
    expect(early.isError).toBe(true);
    expect(early.text).toContain("is still being set up");
    expect(early.text).toContain(`task ${created.data.setup_task_id}; follow it with kiro_task_status`);
    expect(early.text).toContain("Try again once that task has completed");
    gate.open();
    const setup = await pollUntilDone(e2e.client, created.data.setup_task_id);
    expect(setup.final.status).toBe("completed");
    const started = await startTask(e2e.client, "hi", created.data.session_id);
    expect((await pollUntilDone(e2e.client, started.task_id)).final.status).toBe("completed");
  } finally {
    gate.open();
    await gate.close();
  }
});

/**
 * A gate in front of the git server: it holds every request until open(), then passes them on
 * (to 127.0.0.1:`port`), so a clone is certain to be running while the test acts.
 */
async function startGate(port: string) {
  let opened = false;
  let reach: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const held: Array<() => void> = [];
  const pass = (req: http.IncomingMessage, res: http.ServerResponse) => () => {
    const upstream = http.request(
      { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };
  const gate = http.createServer((req, res) => {
    reach();
    if (opened) pass(req, res)();
    else held.push(pass(req, res));
  });
  await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`,
    reached,
    open: () => {
      opened = true;
      for (const release of held.splice(0)) release();
    },
    close: () =>
      new Promise<void>((resolve) => {
        gate.closeAllConnections();
        gate.close(() => resolve());
      }),
  };
}
