/**
 * The wiring of an end-to-end test file: one dev server for the file (startDevServer), a fresh MCP
 * client per test, and when a test fails, what the dev server printed during it (the Worker logs
 * the cause of an "Internal error (ref …)" there, not to the client).
 *
 *   const e2e = e2eSuite({ env: { KIRO_RUN_TIMEOUT_MS: "4000" } });
 *   it("…", async () => { const session = await newSession(e2e.client); … e2e.dev.mcpUrl … });
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { type DevServer, type StartDevServerOptions, startDevServer } from "./dev-server.ts";
import { callTool, connectMcp } from "./mcp-client.ts";

export interface E2eSuite {
  /** The file's dev server (from beforeAll on). */
  readonly dev: DevServer;
  /** This test's MCP client (from beforeEach on). */
  readonly client: Client;
}

/** Registers the file's hooks; read `dev` and `client` inside hooks and tests. */
export function e2eSuite(options: StartDevServerOptions = {}): E2eSuite {
  let dev: DevServer | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    dev = await startDevServer(options);
  });
  afterAll(async () => {
    await dev?.stop();
  });
  beforeEach(async (context) => {
    const server = started(dev);
    const before = server.output().length;
    context.onTestFailed(async () => {
      await sleep(1_000); // wrangler prints its logs a moment after the response
      console.error(`dev server output during the test:\n${server.output().slice(before).slice(-8_000)}`);
    });
    client = await connectMcp(server.mcpUrl);
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  return {
    get dev() {
      return started(dev);
    },
    get client() {
      if (client === undefined) throw new Error("the MCP client exists only inside a test");
      return client;
    },
  };
}

function started(dev: DevServer | undefined): DevServer {
  if (dev === undefined) throw new Error("the dev server has not started (read it inside a hook or test)");
  return dev;
}

/** A new Kiro session, so a test never waits on another's task. */
export async function newSession(client: Client): Promise<string> {
  const created = await callTool<{ session_id: string }>(client, "kiro_session_create");
  expect(created.isError, created.text).toBe(false);
  return created.data.session_id;
}
