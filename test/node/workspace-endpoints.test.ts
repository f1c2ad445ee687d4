import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AgentsResponse,
  RunnerErrorBody,
  WriteFileResponse,
} from "../../container/src/protocol/index.ts";
import { request } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;
let outside: string;

beforeAll(async () => {
  runner = await startRunner();
  outside = mkdtempSync(path.join(os.tmpdir(), "kiro-outside-"));
  writeFileSync(path.join(outside, "secret.txt"), "untouched");
  const globalAgents = path.join(runner.kiroHome, "agents");
  mkdirSync(globalAgents, { recursive: true });
  writeFileSync(path.join(globalAgents, "reviewer.json"), JSON.stringify({ description: "Reviews code" }));
  writeFileSync(
    path.join(globalAgents, "named.json"),
    JSON.stringify({ name: "Named Agent", description: 5 }),
  );
  writeFileSync(path.join(globalAgents, "broken.json"), "{not json");
  writeFileSync(path.join(globalAgents, "list.json"), "[]");
  writeFileSync(path.join(globalAgents, "notes.txt"), "not an agent");
  const workspace = path.join(runner.workspaceRoot, "project", ".kiro", "agents");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, "builder.json"), JSON.stringify({ description: "Builds the project" }));
  symlinkSync(outside, path.join(runner.workspaceRoot, "escape-link"));
  symlinkSync(path.join(outside, "secret.txt"), path.join(runner.workspaceRoot, "secret-link.txt"));
  mkdirSync(path.join(runner.workspaceRoot, "inner"));
  symlinkSync(path.join(runner.workspaceRoot, "inner"), path.join(runner.workspaceRoot, "inner-link"));
});

afterAll(async () => {
  await runner?.stop();
  rmSync(outside, { recursive: true, force: true });
});

const BUILTIN = { name: "kiro_default", description: "Kiro's built-in agent", source: "builtin" };
const GLOBAL = [
  { name: "Named Agent", description: null, source: "global" },
  { name: "reviewer", description: "Reviews code", source: "global" },
];

describe("GET /agents", () => {
  it("lists the built-in agent, then global agents, skipping files that are not agent JSON", async () => {
    const { status, body } = await request<AgentsResponse>(runner, "GET", "/agents");
    expect(status).toBe(200);
    expect(body.agents).toEqual([BUILTIN, ...GLOBAL]);
    expect(runner.stderr()).toContain('"event":"agent_file_skipped"');
    expect(runner.stderr()).toContain("broken.json");
  });

  it("adds the workspace agents of the working directory", async () => {
    const { body } = await request<AgentsResponse>(runner, "GET", "/agents?cwd=project");
    expect(body.agents).toEqual([
      BUILTIN,
      ...GLOBAL,
      { name: "builder", description: "Builds the project", source: "workspace" },
    ]);
  });

  it("confines the working directory like run directories", async () => {
    const escaping = await request<RunnerErrorBody>(runner, "GET", "/agents?cwd=../..");
    expect([escaping.status, escaping.body.error.code]).toEqual([403, "workspace_escape"]);
    const link = await request<RunnerErrorBody>(runner, "GET", "/agents?cwd=escape-link");
    expect([link.status, link.body.error.code]).toEqual([403, "workspace_escape"]);
    const missing = await request<RunnerErrorBody>(runner, "GET", "/agents?cwd=nowhere");
    expect([missing.status, missing.body.error.code]).toEqual([422, "workspace_missing"]);
  });
});

const write = (body: unknown) =>
  request<WriteFileResponse & RunnerErrorBody>(runner, "POST", "/workspace/files", body);

describe("POST /workspace/files", () => {
  it("writes a file, creating its directories, and overwrites it", async () => {
    const first = await write({ path: "notes/2026/today.md", content: "héllo 🚀\n" });
    const file = path.join(runner.workspaceRoot, "notes", "2026", "today.md");
    expect(first).toEqual({ status: 200, body: { path: file, bytes: Buffer.byteLength("héllo 🚀\n") } });
    expect(readFileSync(file, "utf8")).toBe("héllo 🚀\n");
    const again = await write({ path: file, content: "second" });
    expect(again.body.bytes).toBe(6);
    expect(readFileSync(file, "utf8")).toBe("second");
    const throughInnerLink = await write({ path: "inner-link/a.txt", content: "a" });
    expect(throughInnerLink.body.path).toBe(path.join(runner.workspaceRoot, "inner", "a.txt"));
  });

  it("refuses paths that leave the workspace, and never writes outside", async () => {
    const cases: [string, string][] = [
      ["../escaped.txt", "outside the workspace root"],
      [path.join(outside, "direct.txt"), "outside the workspace root"],
      ["escape-link/through.txt", "leads through a symlink"],
      ["escape-link/new-dir/through.txt", "leads through a symlink"],
      ["secret-link.txt", "is a symlink"],
    ];
    for (const [requested, message] of cases) {
      const response = await write({ path: requested, content: "x" });
      expect([response.status, response.body.error.code], requested).toEqual([403, "workspace_escape"]);
      expect(response.body.error.message).toContain(message);
    }
    expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("untouched");
    expect(existsSync(path.join(outside, "through.txt"))).toBe(false);
    expect(existsSync(path.join(outside, "new-dir"))).toBe(false);
  });

  it("refuses directories, files used as directories, the root, and bad bodies", async () => {
    await write({ path: "dir-test/file.txt", content: "x" });
    const cases: [unknown, string][] = [
      [{ path: "dir-test", content: "x" }, "is a directory"],
      [{ path: "dir-test/file.txt/below.txt", content: "x" }, "is a file, not a directory"],
      [{ path: ".", content: "x" }, "names the workspace root"],
      [{ path: "", content: "x" }, "path must not be empty"],
      [{ path: "a.txt" }, "content must be a string"],
      [{ path: "a.txt", content: "x", mode: 7 }, "mode is not a known field"],
    ];
    for (const [body, message] of cases) {
      const response = await write(body);
      expect([response.status, response.body.error.message], JSON.stringify(body)).toEqual([
        400,
        expect.stringContaining(message),
      ]);
    }
  });

  it("writes up to 4 MiB and refuses more", async () => {
    const max = 4 * 1024 * 1024;
    const full = await write({ path: "big/full.txt", content: "x".repeat(max) });
    expect(full.body.bytes).toBe(max);
    const over = await write({ path: "big/over.txt", content: "x".repeat(max + 1) });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toBe(`content is ${max + 1} bytes; at most ${max} can be written`);
    expect(existsSync(path.join(runner.workspaceRoot, "big", "over.txt"))).toBe(false);
    const huge = await write({ path: "big/huge.txt", content: "\n".repeat(5 * 1024 * 1024) });
    expect(huge.status).toBe(400);
    expect(huge.body.error.message).toContain("the request body exceeds");
  });
});
