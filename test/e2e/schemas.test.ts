/**
 * Every tool's real output satisfies the outputSchema it advertises: each tool is called over MCP
 * against `npm run dev` (ACP stand-in) with valid arguments, in the states that shape its output
 * (running, completed, failed and cancelled tasks; every structured chunk kind; sessions with and
 * without an agent), and each `structuredContent` is validated with Ajv (JSON Schema 2020-12, the
 * dialect the schemas declare) against the schema from tools/list. The text content must be the
 * same JSON.
 *
 * The SDK client validates structuredContent itself only for tools it has seen in a tools/list on
 * that same client instance; the calls here go through a client that never listed tools, so the
 * check below is the one that runs.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { e2eSuite } from "../helpers/e2e-suite.ts";
import { createGitFixture } from "../helpers/git-fixture.ts";
import { connectMcp } from "../helpers/mcp-client.ts";

interface Chunk {
  index: number;
  kind: string;
}
interface Status {
  task_id: string;
  status: string;
  is_done: boolean;
  has_more: boolean;
  next_chunk_index: number;
  new_chunks: Chunk[];
  metadata?: unknown;
}

// file:// clones: the workspace tools need a session from a repository (a local one here).
const e2e = e2eSuite({ env: { KIRO_ALLOW_FILE_CLONES: "1" } });
const validators = new Map<string, ValidateFunction>();
let listed: Tool[] = [];
const called = new Set<string>();
const validated: Array<{ tool: string; note: string }> = [];

beforeAll(async () => {
  const lister = await connectMcp(e2e.dev.mcpUrl);
  listed = (await lister.listTools()).tools;
  await lister.close();
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  for (const tool of listed) {
    expect(tool.outputSchema, tool.name).toBeDefined();
    validators.set(tool.name, ajv.compile(tool.outputSchema ?? {}));
  }
});

/** Calls `name`, expects success, validates its structuredContent against the listed schema. */
async function check<T>(name: string, args: Record<string, unknown> = {}, note = ""): Promise<T> {
  const result = await e2e.client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
  const text = (result.content as Array<{ type: string; text?: string }>)
    .map((part) => part.text ?? "")
    .join("");
  expect(result.isError ?? false, `${name}: ${text}`).toBe(false);
  const validate = validators.get(name);
  if (validate === undefined) throw new Error(`${name} is not in tools/list`);
  const valid = validate(result.structuredContent);
  expect(valid, `${name} ${note}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
  expect(JSON.parse(text)).toEqual(result.structuredContent);
  called.add(name);
  validated.push({ tool: name, note });
  return result.structuredContent as T;
}

/** Polls a task to its end, validating every answer; returns the chunk kinds seen. */
async function pollValidated(taskId: string): Promise<{ kinds: Set<string>; final: Status; polls: number }> {
  const kinds = new Set<string>();
  let from = 0;
  for (let polls = 1; polls <= 60; polls++) {
    const status = await check<Status>(
      "kiro_task_status",
      { task_id: taskId, from_chunk_index: from, wait_ms: 1_000 },
      `poll ${polls}`,
    );
    for (const chunk of status.new_chunks) kinds.add(chunk.kind);
    from = status.next_chunk_index;
    if (status.is_done && !status.has_more) return { kinds, final: status, polls };
  }
  throw new Error(`task ${taskId} did not end`);
}

let plainSession: string;
let agentSession: string;

describe("every tool's structuredContent against its outputSchema", () => {
  it("sessions: create (with and without agent and directory), list, switch, agents, pool stats", async () => {
    mkdirSync(path.join(e2e.dev.workspaceRoot, "sub", ".kiro", "agents"), { recursive: true });
    mkdirSync(path.join(e2e.dev.kiroHome, "agents"), { recursive: true });
    writeFileSync(
      path.join(e2e.dev.kiroHome, "agents", "reviewer.json"),
      JSON.stringify({ name: "reviewer", description: "Reviews code" }),
    );
    writeFileSync(path.join(e2e.dev.workspaceRoot, "sub", ".kiro", "agents", "local.json"), "{}");

    plainSession = (await check<{ session_id: string }>("kiro_session_create", {}, "defaults")).session_id;
    agentSession = (
      await check<{ session_id: string }>(
        "kiro_session_create",
        { agent: "reviewer", working_directory: "sub" },
        "agent and directory",
      )
    ).session_id;
    const list = await check<{ active_session_id: string | null }>("kiro_session_list");
    expect(list.active_session_id).toBe(agentSession);
    await check("kiro_session_switch", { session_id: plainSession });
    const { agents } = await check<{ agents: Array<{ name: string; description: string | null }> }>(
      "kiro_agents_list",
      { session_id: agentSession },
      "builtin, global and workspace agents",
    );
    expect(agents.map((agent) => agent.name)).toEqual(["kiro_default", "reviewer", "local"]);
    expect(agents.at(-1)?.description).toBeNull();
    await check("kiro_pool_stats", {}, "before any run");
  });

  it("tasks: every chunk kind while running, then completed, failed and cancelled", async () => {
    const message = [
      "Look at the code",
      "@thought planning",
      "@plan read|edit|test",
      "@tool Read file",
      "@usage",
      "@permission read",
      "@unknown",
      "@stderr a warning",
      "@metadata",
      "@lines 4",
      "@delay 200",
    ].join("\n");
    const started = await check<{ task_id: string }>("kiro_chat_async", {
      message,
      session_id: plainSession,
    });
    const running = await check<{ tasks: unknown[] }>("kiro_task_list", {}, "a task running");
    expect(running.tasks).toHaveLength(1);
    const { kinds, final, polls } = await pollValidated(started.task_id);
    expect(polls).toBeGreaterThan(1);
    expect(final.status).toBe("completed");
    expect(final.metadata).toBeDefined();
    for (const kind of [
      "text",
      "thought",
      "plan",
      "tool_call",
      "tool_call_update",
      "usage",
      "permission",
      "unknown",
    ]) {
      expect([...kinds], kind).toContain(kind);
    }
    await check("kiro_task_status", { task_id: started.task_id }, "completed, read again from 0");

    const failed = await check<{ task_id: string }>("kiro_chat_async", {
      message: "@empty",
      session_id: plainSession,
    });
    expect((await pollValidated(failed.task_id)).final.status).toBe("failed");

    const answered = await check<{ status: string }>(
      "kiro_chat",
      { message: "@lines 2", session_id: plainSession },
      "waited to the end",
    );
    expect(answered.status).toBe("completed");

    const hung = await check<{ task_id: string }>("kiro_chat_async", {
      message: "@hang",
      session_id: agentSession,
    });
    const cancelled = await check<{ status: string }>("kiro_task_cancel", { task_id: hung.task_id });
    expect(cancelled.status).toBe("cancelled");
    await check("kiro_task_cancel", { task_id: hung.task_id }, "already cancelled");
    await check("kiro_task_list", { session_id: plainSession, include_done: true }, "finished tasks");
    await check("kiro_pool_stats", {}, "after runs");
  });

  it("conversation: history, save, slash commands, clears, end", async () => {
    const history = await check<{ turns: unknown[] }>("kiro_history", { session_id: plainSession });
    expect(history.turns.length).toBeGreaterThan(0);
    await check("kiro_history", { session_id: plainSession, limit: 1 }, "limit 1");
    await check("kiro_session_save", { path: "conversation.md", session_id: plainSession });
    const tools = await check<{ data?: unknown }>("kiro_command", {
      command: "/tools",
      session_id: plainSession,
    });
    expect(tools.data).toBeDefined();
    await check("kiro_command", { command: "/help" }, "no data, active session");
    await check("kiro_session_clear", { session_id: plainSession });
    await check("kiro_history_clear", { session_id: plainSession });
    await check("kiro_session_end", { session_id: agentSession });
    await check("kiro_session_list", {}, "after an end");
  });

  it("workspace: a session from a repository, a turn, its diff and its push", async () => {
    const scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "kiro-schemas-git-")));
    try {
      const repos = createGitFixture(scratch);
      const created = await check<{ session_id: string; setup_task_id: string }>(
        "kiro_session_create",
        { repository: repos.url, working_directory: "schemas-clone" },
        "from a repository (preparing)",
      );
      expect((await pollValidated(created.setup_task_id)).final.status).toBe("completed");
      const turn = await check<{ task_id: string }>("kiro_chat_async", {
        message: "@write changed.txt yes\\n\n@write-bytes blob.bin 00ff",
        session_id: created.session_id,
      });
      expect((await pollValidated(turn.task_id)).final.status).toBe("completed");
      await check("kiro_session_list", {}, "a session from a repository, ready");
      await check("kiro_workspace_diff", { session_id: created.session_id }, "a text and a binary file");
      await check(
        "kiro_workspace_diff",
        { session_id: created.session_id, path: "nothing-here" },
        "no changes",
      );
      await check("kiro_workspace_push", { session_id: created.session_id, branch: "kiro/schemas" });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("called and validated every tool tools/list offers", () => {
    expect([...called].sort()).toEqual(listed.map((tool) => tool.name).sort());
    expect(validated.length).toBeGreaterThan(listed.length);
  });
});
