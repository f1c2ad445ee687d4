/**
 * The `tasks-*` scenarios of the MCP conformance suite (@modelcontextprotocol/conformance) against
 * `npm run dev` in its test configuration: KIRO_TEST_FIXTURES=1 registers the fixture tools the
 * scenarios call (greet, slow_compute, failing_job, …; src/mcp/tasks/fixtures), each a Kiro turn
 * on the stand-in kiro-cli, through the same task machinery as kiro_chat. Each scenario runs
 * through the suite's own CLI, as an SDK's CI would run it; every check must pass (SKIPPED means
 * the suite itself does not test it yet).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/dev-server.ts";
import { e2eSuite } from "../helpers/e2e-suite.ts";

const CLI = path.join(REPO_ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

const SCENARIOS = [
  "tasks-lifecycle",
  "tasks-capability-negotiation",
  "tasks-wire-fields",
  "tasks-request-state-removal",
  "tasks-mrtr-input",
  "tasks-request-headers",
  "tasks-dispatch-and-envelope",
  "tasks-status-notifications",
  "tasks-required-task-error",
  "tasks-mrtr-composition",
];

const e2e = e2eSuite({
  env: {
    KIRO_TEST_FIXTURES: "1",
    // confirm_delete and multi_input are Kiro permission prompts handed to the client.
    KIRO_TRUST: "ask",
    // Scenarios keep a few tasks running at once (each fixture call is a session of its own).
    KIRO_MAX_RUNNING_TASKS: "20",
  },
});

const outputs = mkdtempSync(path.join(os.tmpdir(), "kiro-conformance-"));
afterAll(() => rmSync(outputs, { recursive: true, force: true }));

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/** Runs one scenario with the suite's CLI and returns its checks. */
async function runScenario(scenario: string): Promise<Check[]> {
  const out = path.join(outputs, scenario);
  const args = [CLI, "server", "--url", e2e.dev.mcpUrl, "--scenario", scenario, "-o", out];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (log += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (log += text));
  await new Promise((resolve) => child.once("exit", resolve));
  const [run] = readdirSync(out);
  if (run === undefined) throw new Error(`${scenario} wrote no results:\n${log}`);
  return JSON.parse(readFileSync(path.join(out, run, "checks.json"), "utf8")) as Check[];
}

describe("MCP conformance, tasks-* scenarios", () => {
  it("covers every tasks-* scenario the suite has", async () => {
    const child = spawn(process.execPath, [CLI, "list"], { stdio: ["ignore", "pipe", "inherit"] });
    let listed = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (listed += text));
    await new Promise((resolve) => child.once("exit", resolve));
    const names = [...listed.matchAll(/- (tasks-[a-z-]+)/g)].map((match) => match[1]);
    expect(new Set(names)).toEqual(new Set(SCENARIOS));
  });

  it.each(SCENARIOS)("%s passes", { timeout: 180_000 }, async (scenario) => {
    const checks = await runScenario(scenario);
    expect(checks.length).toBeGreaterThan(0);
    const failed = checks
      .filter((check) => check.status === "FAILURE" || check.status === "WARNING")
      .map((check) => `${check.id}: ${check.errorMessage}`);
    expect(failed).toEqual([]);
  });
});
