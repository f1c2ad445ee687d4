import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  RunnerErrorBody,
  RunnerHealth,
  RunSummary,
  StartRunResponse,
} from "../../container/src/protocol/index.ts";
import { collectEvents, exitOf, request, startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;
let outside: string;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
  outside = mkdtempSync(path.join(os.tmpdir(), "kiro-outside-"));
  mkdirSync(path.join(runner.workspaceRoot, "project", "src"), { recursive: true });
  symlinkSync(outside, path.join(runner.workspaceRoot, "escape-link"));
});

afterAll(async () => {
  await runner?.stop();
  rmSync(outside, { recursive: true, force: true });
});

const errorCode = (body: unknown) => (body as RunnerErrorBody).error.code;

describe("runner HTTP surface", () => {
  it("reports health with its boot id, kiro-cli and workspace", async () => {
    const { status, body } = await request<RunnerHealth>(runner, "GET", "/health");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      boot_id: runner.bootId,
      driver: "headless",
      kiro_cli: { found: true },
      workspace_root: runner.workspaceRoot,
    });
    expect(body.uptime_ms).toBeGreaterThanOrEqual(0);
  });

  it("answers 401 without the secret or with a wrong one, on every route", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { "x-kiro-runner-secret": "wrong" },
      { "x-kiro-runner-secret": "" },
    ];
    for (const headers of attempts) {
      const health = await request(runner, "GET", "/health", undefined, headers);
      expect(health.status).toBe(401);
      expect(errorCode(health.body)).toBe("unauthorized");
      const start = await request(runner, "POST", "/runs", { run_id: "x", message: "m", cwd: "" }, headers);
      expect(start.status).toBe(401);
    }
  });

  it("answers 404 not_found for unknown routes and run_not_found for unknown runs", async () => {
    const route = await request(runner, "GET", "/nope");
    expect([route.status, errorCode(route.body)]).toEqual([404, "not_found"]);
    for (const suffix of ["", "/events", "/cancel"]) {
      const method = suffix === "/cancel" ? "POST" : "GET";
      const run = await request(runner, method, `/runs/unknown-run${suffix}`);
      expect([run.status, errorCode(run.body)]).toEqual([404, "run_not_found"]);
    }
  });

  it("validates the start body field by field", async () => {
    const cases: [unknown, string][] = [
      [{ message: "m", cwd: "" }, "run_id"],
      [{ run_id: "a", message: "   ", cwd: "" }, "message"],
      [{ run_id: "a", message: 5, cwd: "" }, "message"],
      [{ run_id: "a", message: "m" }, "cwd"],
      [{ run_id: "a", message: "m", cwd: "", agent: "--evil" }, "agent"],
      [{ run_id: "a", message: "m", cwd: "", model: "has space" }, "model"],
      [{ run_id: "a", message: "m", cwd: "", resume: "yes" }, "resume"],
      [{ run_id: "a", message: "m", cwd: "", extra: 1 }, "extra"],
      [{ run_id: "bad id", message: "m", cwd: "" }, "run_id"],
    ];
    for (const [body, field] of cases) {
      const response = await request<RunnerErrorBody>(runner, "POST", "/runs", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message.startsWith(field)).toBe(true);
    }
    const notJson = await request(runner, "POST", "/runs", "{nope");
    expect([notJson.status, errorCode(notJson.body)]).toEqual([400, "bad_request"]);
    const tooBig = await request(runner, "POST", "/runs", {
      run_id: "a",
      message: "x".repeat(1_100_000),
      cwd: "",
    });
    expect(tooBig.status).toBe(400);
  });

  it("rejects a bad events cursor", async () => {
    const runId = await startRun(runner, { message: "hello" });
    const bad = await request(runner, "GET", `/runs/${runId}/events?after=-1`);
    expect([bad.status, errorCode(bad.body)]).toEqual([400, "bad_request"]);
    await collectEvents(runner, runId);
  });

  it("answers 409 run_exists for a run id it already knows, and starts nothing", async () => {
    const runId = await startRun(runner, { message: "first" });
    const again = await request(runner, "POST", "/runs", { run_id: runId, message: "second", cwd: "" });
    expect([again.status, errorCode(again.body)]).toEqual([409, "run_exists"]);
    const events = await collectEvents(runner, runId);
    expect(exitOf(events).status).toBe("completed");
  });

  it("returns the boot id on start and a summary per run", async () => {
    const start = await request<StartRunResponse>(runner, "POST", "/runs", {
      run_id: "summary-run",
      message: "hi",
      cwd: "project",
    });
    expect(start).toEqual({ status: 201, body: { run_id: "summary-run", boot_id: runner.bootId } });
    const events = await collectEvents(runner, "summary-run");
    const summary = await request<RunSummary>(runner, "GET", "/runs/summary-run");
    expect(summary.body).toMatchObject({
      run_id: "summary-run",
      boot_id: runner.bootId,
      status: "completed",
      last_seq: events.length,
    });
    expect(summary.body.ended_at).toBeGreaterThanOrEqual(summary.body.started_at);
  });

  it("resolves working directories inside the workspace only", async () => {
    const resolve = (p: string) =>
      request<{ path: string } & RunnerErrorBody>(runner, "POST", "/workspace/resolve", { path: p });
    const root = runner.workspaceRoot;
    expect((await resolve("project/src")).body.path).toBe(path.join(root, "project", "src"));
    expect((await resolve(path.join(root, "project"))).body.path).toBe(path.join(root, "project"));
    expect((await resolve("")).body.path).toBe(root);
    const outsideRoot = await resolve("../..");
    expect([outsideRoot.status, outsideRoot.body.error.code]).toEqual([403, "workspace_escape"]);
    const link = await resolve("escape-link");
    expect([link.status, link.body.error.code]).toEqual([403, "workspace_escape"]);
    const missing = await resolve("no/such/dir");
    expect([missing.status, missing.body.error.code]).toEqual([422, "workspace_missing"]);
    expect(missing.body.error.message).toContain("'no/such/dir'");
  });

  it("checks the working directory again when a run starts", async () => {
    const escaping = await request(runner, "POST", "/runs", {
      run_id: "esc",
      message: "m",
      cwd: "escape-link",
    });
    expect([escaping.status, errorCode(escaping.body)]).toEqual([403, "workspace_escape"]);
    const missing = await request(runner, "POST", "/runs", { run_id: "miss", message: "m", cwd: "gone" });
    expect([missing.status, errorCode(missing.body)]).toEqual([422, "workspace_missing"]);
    const unknown = await request(runner, "GET", "/runs/esc");
    expect(unknown.status).toBe(404);
  });
});
