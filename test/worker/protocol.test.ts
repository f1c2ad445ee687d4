/**
 * What the server tells clients about itself: each tool's hints say what it can do to the user's
 * world.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, it } from "vitest";
import { connectEachTest } from "./mcp.ts";

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

describe("tool annotations", () => {
  const hints = (readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean) => ({
    readOnlyHint: readOnly,
    destructiveHint: destructive,
    idempotentHint: idempotent,
    openWorldHint: openWorld,
  });
  const READ = hints(true, false, true, false);

  it("tell the truth about every tool", async () => {
    const { tools } = await client.listTools();
    const annotations = Object.fromEntries(
      tools.map((tool) => {
        const { title: _title, ...rest } = tool.annotations ?? {};
        return [tool.name, rest];
      }),
    );
    expect(annotations).toEqual({
      // Kiro edits and deletes files and runs commands (trust is `all` in the container), and
      // can reach the network.
      kiro_chat: hints(false, true, false, true),
      kiro_chat_async: hints(false, true, false, true),
      // Any slash command, including ones that clear the conversation.
      kiro_command: hints(false, true, false, true),
      // Clones any repository it is given.
      kiro_session_create: hints(false, false, false, true),
      // Deletes the session's tasks, output and history; ending it again changes nothing more.
      kiro_session_end: hints(false, true, true, false),
      kiro_session_clear: hints(false, true, true, false),
      kiro_history_clear: hints(false, true, true, false),
      // Overwrites the file it writes.
      kiro_session_save: hints(false, true, true, false),
      kiro_session_switch: hints(false, false, true, false),
      kiro_task_cancel: hints(false, true, true, false),
      kiro_agents_list: READ,
      kiro_history: READ,
      kiro_pool_stats: READ,
      kiro_session_list: READ,
      kiro_task_list: READ,
      kiro_task_status: READ,
    });
  });
});
