/**
 * Each container's runner holds its own credential, derived from the master secret and the
 * container's id: it opens that runner and no other, the master is never in a container, and a
 * runner refuses to start without a credential at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerEnv, runnerCredential } from "../../src/runner/credential.ts";
import { request } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const MASTER = "master-runner-secret-0123456789abcdef";
const ALICE_CONTAINER = "a".repeat(64);
const BOB_CONTAINER = "b".repeat(64);

describe("per-container credentials", () => {
  let alice: RunnerProcess;
  let aliceCredential: string;
  beforeAll(async () => {
    const env = await containerEnv(MASTER, ALICE_CONTAINER);
    aliceCredential = env.KIRO_RUNNER_SECRET ?? "";
    alice = await startRunner({ secret: aliceCredential });
  });
  afterAll(async () => {
    await alice.stop();
  });

  it("starts a container with its own credential: not the master, not another's, no Kiro key", async () => {
    const env = await containerEnv(MASTER, ALICE_CONTAINER);
    expect(env.KIRO_RUNNER_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.KIRO_RUNNER_SECRET).not.toBe(MASTER);
    expect(env.KIRO_RUNNER_SECRET).not.toBe(await runnerCredential(MASTER, BOB_CONTAINER));
    expect(env.KIRO_RUNNER_SECRET).not.toBe(await runnerCredential(`${MASTER}x`, ALICE_CONTAINER));
    expect(Object.keys(env).sort()).toEqual(["KIRO_RUNNER_SECRET", "KIRO_WORKSPACE_ROOT"]);
    expect(JSON.stringify(env)).not.toContain(MASTER);
  });

  it.each([
    ["another container's credential", () => runnerCredential(MASTER, BOB_CONTAINER)],
    ["the master secret", async () => MASTER],
    ["no credential", async () => ""],
  ])("refuses a request with %s", async (_name, credential) => {
    const value = await credential();
    const headers: Record<string, string> = value === "" ? {} : { "x-kiro-runner-secret": value };
    const response = await request<{ error: { code: string } }>(alice, "GET", "/health", undefined, headers);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("unauthorized");
  });

  it("accepts its own", async () => {
    const headers = { "x-kiro-runner-secret": aliceCredential };
    expect((await request(alice, "GET", "/health", undefined, headers)).status).toBe(200);
  });
});

describe("a runner without a credential", () => {
  it.each(["container", "host"])("refuses to start in %s mode", async (mode) => {
    const failure = await startRunner({
      env: { KIRO_RUNNER_MODE: mode, KIRO_RUNNER_SECRET: undefined, HOST: "127.0.0.1" },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain("KIRO_RUNNER_SECRET is required");
  });

  it("refuses a credential too short to be one", async () => {
    const failure = await startRunner({ env: { KIRO_RUNNER_SECRET: "short" } }).catch(
      (error: unknown) => error,
    );
    expect(String(failure)).toContain("at least 16 characters");
  });
});
