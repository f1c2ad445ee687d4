import { McpServer } from "@modelcontextprotocol/server";
import type { ToolContext } from "./context.ts";
import { checkParamsFirst } from "./params.ts";
import { registerPrompts } from "./prompts/index.ts";
import { registerResources } from "./resources/index.ts";
import { CONFORMANCE_FIXTURES, registerFixtures } from "./tasks/fixtures/conformance.ts";
import { fixturesEnabled } from "./tasks/fixtures/guard.ts";
import { installTasks } from "./tasks/index.ts";
import { kiroTurnTask } from "./tasks/kiro-turn.ts";
import { refuseLegacyTasks } from "./tasks/legacy.ts";
import { TOOLS } from "./tools/index.ts";

export const SERVER_INFO = { name: "kiro-mcp-edge", version: "0.1.0" } as const;

const INSTRUCTIONS = `Hand coding work to Kiro (kiro-cli). Kiro can take minutes: start work with kiro_chat_async and poll kiro_task_status with wait_ms (long-poll) and from_chunk_index = next_chunk_index to read the output while it is produced. kiro_chat waits for the answer for up to about 50 s, then returns the task_id to poll.`;

/**
 * No list ever changes while a client is connected (the server is built per request and keeps
 * no connection to notify), so no capability promises list_changed notifications.
 */
const CAPABILITIES = {
  tools: { listChanged: false },
  resources: { listChanged: false },
  prompts: { listChanged: false },
} as const;

/** Which wire a request came on: 2026-07-28 (`modern`) or a 2025-era revision (`legacy`). */
export type McpEra = "modern" | "legacy";

/** Builds the MCP server for one request, for one user. Nothing is shared between requests. */
export function createMcpServer(ctx: ToolContext, era: McpEra = "modern"): McpServer {
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });
  // All before anything is registered: registering installs the handlers and their capability.
  checkParamsFirst(server.server);
  server.server.registerCapabilities(CAPABILITIES);
  const fixtures = fixturesEnabled(ctx) ? CONFORMANCE_FIXTURES : [];
  if (era === "modern") {
    const fixtureTasks = fixtures.flatMap((fixture) => fixture.task ?? []);
    installTasks(server, ctx, [kiroTurnTask("kiro_chat"), kiroTurnTask("kiro_chat_async"), ...fixtureTasks]);
  } else {
    refuseLegacyTasks(server.server);
  }
  for (const tool of TOOLS) tool.register(server, ctx);
  registerFixtures(server, ctx, fixtures);
  registerResources(server, ctx);
  registerPrompts(server);
  return server;
}
