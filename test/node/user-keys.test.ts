/**
 * The Kiro API key a run brings (StartRunRequest.kiro_api_key): kiro-cli gets exactly that key, in
 * its own environment, under both drivers; it is redacted like the runner's own; a warm ACP
 * process started with another key is not reused; no key at all is refused up front.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerDriver } from "../../container/src/protocol/index.ts";
import { exitOf, request, runToEnd, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const RUNNER_KEY = "runner-own-key-0123456789";
const ALICE_KEY = "alice-kiro-key-0123456789";
const BOB_KEY = "bob-kiro-key-9876543210";

/** What the stand-in's @key-hash prints for `key`. */
function keyHash(key: string): string {
  return `KIRO_API_KEY sha256:${createHash("sha256").update(key).digest("hex").slice(0, 16)}\n`;
}

describe.each<RunnerDriver>(["acp", "headless"])("kiro_api_key under the %s driver", (driver) => {
  let runner: RunnerProcess;
  beforeAll(async () => {
    runner = await startRunner({ env: { KIRO_DRIVER: driver, KIRO_API_KEY: RUNNER_KEY } });
  });
  afterAll(async () => {
    await runner.stop();
  });

  it("gives kiro-cli the request's key, and the runner's own without one", async () => {
    const alice = await runToEnd(runner, { message: "@key-hash", kiro_api_key: ALICE_KEY, session_key: "a" });
    expect(textOf(alice)).toContain(keyHash(ALICE_KEY));
    const bob = await runToEnd(runner, { message: "@key-hash", kiro_api_key: BOB_KEY, session_key: "b" });
    expect(textOf(bob)).toContain(keyHash(BOB_KEY));
    const own = await runToEnd(runner, { message: "@key-hash", session_key: "c" });
    expect(textOf(own)).toContain(keyHash(RUNNER_KEY));
  });

  it("restarts a session's kiro-cli when its user's key changed, so the new key is used", async () => {
    const first = await runToEnd(runner, { message: "@key-hash", kiro_api_key: ALICE_KEY, session_key: "k" });
    expect(textOf(first)).toContain(keyHash(ALICE_KEY));
    const replaced = `${ALICE_KEY}-new`;
    const second = await runToEnd(runner, {
      message: "@key-hash",
      kiro_api_key: replaced,
      session_key: "k",
      resume: true,
    });
    expect(textOf(second)).toContain(keyHash(replaced));
  });

  it("redacts the request's key from output, stderr and the exit event", async () => {
    const events = await runToEnd(runner, {
      message: `@echo-env KIRO_API_KEY\n@stderr-env KIRO_API_KEY\n@chunk 4\n@exit 3`,
      kiro_api_key: BOB_KEY,
    });
    expect(JSON.stringify(events)).not.toContain(BOB_KEY);
    expect(textOf(events)).toContain("KIRO_API_KEY=[redacted]");
    expect(exitOf(events).stderr_tail).toContain("KIRO_API_KEY=[redacted]");
  });

  it("refuses a malformed key without quoting it, and starts nothing", async () => {
    const response = await request<{ error: { code: string; message: string } }>(runner, "POST", "/runs", {
      run_id: "bad-key",
      message: "hi",
      cwd: "",
      kiro_api_key: "a key\nwith a line break",
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain("kiro_api_key");
    expect(response.body.error.message).not.toContain("line break");
    expect((await request(runner, "GET", "/runs/bad-key")).status).toBe(404);
  });
});

describe("a runner without a key of its own", () => {
  let runner: RunnerProcess;
  beforeAll(async () => {
    runner = await startRunner({ env: { KIRO_API_KEY: undefined } });
  });
  afterAll(async () => {
    await runner.stop();
  });

  it("runs with the request's key and refuses a run that brings none", async () => {
    const events = await runToEnd(runner, { message: "@key-hash", kiro_api_key: ALICE_KEY });
    expect(textOf(events)).toContain(keyHash(ALICE_KEY));
    const refused = await request<{ error: { code: string } }>(runner, "POST", "/runs", {
      run_id: "no-key",
      message: "hi",
      cwd: "",
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("kiro_auth_missing");
  });
});
