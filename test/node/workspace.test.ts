import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunnerFault } from "../../container/src/errors.ts";
import { Workspace } from "../../container/src/workspace/workspace.ts";

let scratch: string;
let root: string;
let workspace: Workspace;

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-ws-test-")));
  root = path.join(scratch, "root");
  mkdirSync(path.join(root, "project", "src"), { recursive: true });
  mkdirSync(path.join(root, "..dots"));
  mkdirSync(path.join(scratch, "outside"));
  writeFileSync(path.join(root, "file.txt"), "not a directory");
  symlinkSync(path.join(scratch, "outside"), path.join(root, "escape-link"));
  symlinkSync(path.join(root, "project"), path.join(root, "inside-link"));
  workspace = new Workspace(root);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function failure(requested: string): Promise<{ code: string; message: string }> {
  try {
    await workspace.resolve(requested);
  } catch (error) {
    if (error instanceof RunnerFault) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`${requested} resolved`);
}

describe("workspace", () => {
  it("resolves relative paths against the root, empty meaning the root", async () => {
    expect(await workspace.resolve("")).toBe(root);
    expect(await workspace.resolve("project/src")).toBe(path.join(root, "project", "src"));
    expect(await workspace.resolve("./project/../project")).toBe(path.join(root, "project"));
    expect(await workspace.resolve("..dots")).toBe(path.join(root, "..dots"));
  });

  it("accepts absolute paths inside the root", async () => {
    expect(await workspace.resolve(path.join(root, "project"))).toBe(path.join(root, "project"));
  });

  it("answers the real path for a symlink that stays inside", async () => {
    expect(await workspace.resolve("inside-link")).toBe(path.join(root, "project"));
  });

  it("refuses .. that leaves the root", async () => {
    expect((await failure("../outside")).code).toBe("workspace_escape");
    expect((await failure("project/../../outside")).code).toBe("workspace_escape");
  });

  it("refuses absolute paths outside the root", async () => {
    const result = await failure(path.join(scratch, "outside"));
    expect(result.code).toBe("workspace_escape");
    expect(result.message).toContain("outside the workspace root");
  });

  it("refuses a symlink whose target is outside the root", async () => {
    const result = await failure("escape-link");
    expect(result.code).toBe("workspace_escape");
    expect(result.message).toContain("symlink");
  });

  it("reports a missing directory by its path relative to the root", async () => {
    const result = await failure(path.join(root, "nope", "deeper"));
    expect(result).toEqual({ code: "workspace_missing", message: expect.stringContaining("'nope/deeper'") });
    expect((await failure("missing")).message).toContain("'missing' does not exist");
  });

  it("reports a file that is not a directory", async () => {
    expect(await failure("file.txt")).toEqual({
      code: "workspace_missing",
      message: "'file.txt' is not a directory",
    });
  });
});
