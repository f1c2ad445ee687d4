import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, inject, it } from "vitest";
import {
  callTool,
  createFromRepository,
  createSession,
  pollUntilDone,
  type StatusLike,
  startTask,
  textOf,
} from "../helpers/mcp-client.ts";
import { connectEachTest, workspaceFile } from "./mcp.ts";

const controlUrl = inject("controlUrl");

interface SessionList {
  sessions: Array<{ session_id: string; active: boolean }>;
  active_session_id: string | null;
}

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

const newSession = (args: Record<string, unknown> = {}) => createSession(client, args);

async function runTurn(sessionId: string, message: string): Promise<StatusLike> {
  const started = await startTask(client, message, sessionId);
  return (await pollUntilDone(client, started.task_id)).final;
}

function sessionObject(sessionId: string) {
  return env.KIRO_SESSION.getByName(`user:local/${sessionId}`);
}

describe("sessions", () => {
  it("switches the active session, and refuses an unknown one", async () => {
    const first = await newSession();
    const second = await newSession();
    let listed = await callTool<SessionList>(client, "kiro_session_list");
    expect(listed.data.active_session_id).toBe(second);
    const switched = await callTool<{ session_id: string }>(client, "kiro_session_switch", {
      session_id: first,
    });
    expect(switched.data.session_id).toBe(first);
    listed = await callTool<SessionList>(client, "kiro_session_list");
    expect(listed.data.active_session_id).toBe(first);
    const unknown = await callTool(client, "kiro_session_switch", { session_id: "sess_unknown" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("Session sess_unknown not found");
  });

  it("ends a session: cancels its work, deletes its data, and forgets it", async () => {
    const session = await newSession();
    const done = await runTurn(session, "@lines 2");
    const hung = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
      message: "@hang",
      session_id: session,
    });
    const ended = await callTool<{ ended: boolean; cancelled_tasks: number }>(client, "kiro_session_end", {
      session_id: session,
    });
    expect(ended.isError, ended.text).toBe(false);
    expect(ended.data).toMatchObject({ ended: true, cancelled_tasks: 1 });
    for (const task_id of [done.task_id, hung.data.task_id]) {
      const status = await callTool(client, "kiro_task_status", { task_id });
      expect(status.text).toBe(`Task ${task_id} not found. Use kiro_task_list to see your tasks.`);
    }
    const again = await callTool(client, "kiro_chat_async", { message: "hi", session_id: session });
    expect(again.text).toContain(`Session ${session} not found`);
    const listed = await callTool<SessionList>(client, "kiro_session_list");
    expect(listed.data.sessions.map((s) => s.session_id)).not.toContain(session);
    // Not even empty tables are left: the object holds nothing at all.
    const tables = await runInDurableObject(sessionObject(session), (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one(),
    );
    expect(tables.n).toBe(0);
  });

  it("clears Kiro's conversation so the next message starts fresh", async () => {
    const session = await newSession();
    await runTurn(session, "remember the word mango");
    const cleared = await callTool(client, "kiro_session_clear", { session_id: session });
    expect(cleared.isError, cleared.text).toBe(false);
    const recall = await runTurn(session, "@recall");
    expect(recall.result).not.toContain("mango");
  });

  it("saves the conversation as Markdown inside the workspace, and refuses escapes", async () => {
    const session = await newSession();
    await runTurn(session, "@lines 2");
    const saved = await callTool<{ path: string; turns: number }>(client, "kiro_session_save", {
      session_id: session,
      path: "notes/conversation.md",
    });
    expect(saved.isError, saved.text).toBe(false);
    expect(saved.data.turns).toBe(2);
    const content = await workspaceFile("notes/conversation.md", controlUrl);
    expect(content).toContain("## User");
    expect(content).toContain("line 2");
    for (const path of ["../escape.md", "/etc/passwd", "link-out/x.md"]) {
      const refused = await callTool(client, "kiro_session_save", { session_id: session, path });
      expect(refused.isError, path).toBe(true);
    }
  });
});

describe("history", () => {
  it("records each message and answer, newest last, and clears on request", async () => {
    const session = await newSession();
    await runTurn(session, "@lines 1");
    await runTurn(session, "@lines 2");
    const history = await callTool<{ turns: Array<{ role: string; content: string }>; total: number }>(
      client,
      "kiro_history",
      { session_id: session, limit: 3 },
    );
    expect(history.data.total).toBe(4);
    expect(history.data.turns.map((t) => t.role)).toEqual(["assistant", "user", "assistant"]);
    expect(history.data.turns.at(-1)?.content).toContain("line 2");
    const cleared = await callTool<{ cleared: number }>(client, "kiro_history_clear", {
      session_id: session,
    });
    expect(cleared.data.cleared).toBe(4);
    const empty = await callTool<{ total: number }>(client, "kiro_history", { session_id: session });
    expect(empty.data.total).toBe(0);
  });
});

describe("agents, commands and pool stats", () => {
  it("lists the built-in, global and workspace agents", async () => {
    const session = await newSession({ working_directory: "project" });
    const listed = await callTool<{ agents: Array<{ name: string; source: string }> }>(
      client,
      "kiro_agents_list",
      {
        session_id: session,
      },
    );
    expect(listed.isError, listed.text).toBe(false);
    const bySource = Object.fromEntries(listed.data.agents.map((agent) => [agent.name, agent.source]));
    expect(bySource).toMatchObject({ kiro_default: "builtin", reviewer: "global", builder: "workspace" });
  });

  it("runs a slash command, and refuses something that is not one", async () => {
    const session = await newSession();
    const help = await callTool<{ output: string }>(client, "kiro_command", {
      session_id: session,
      command: "/help",
    });
    expect(help.isError, help.text).toBe(false);
    expect(help.data.output.length).toBeGreaterThan(0);
    const bad = await callTool(client, "kiro_command", { session_id: session, command: "rm -rf /" });
    expect(bad.isError).toBe(true);
  });

  it("reports the runner behind each session", async () => {
    const session = await newSession();
    await runTurn(session, "@lines 1");
    const stats = await callTool<{
      sessions: Array<{ session_id: string; runner_up: boolean; runner: string }>;
    }>(client, "kiro_pool_stats");
    expect(stats.isError, stats.text).toBe(false);
    expect(stats.data.sessions.find((s) => s.session_id === session)).toMatchObject({
      runner_up: true,
      runner: "host",
    });
  });
});

describe("retention", () => {
  it("sweeps finished tasks after their TTL and then says the task expired", async () => {
    const session = await newSession();
    const done = await runTurn(session, "@lines 1");
    const stub = sessionObject(session);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE tasks SET ended_at = ended_at - 86400000 WHERE id = ?", done.task_id);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const status = await callTool(client, "kiro_task_status", { task_id: done.task_id });
    expect(status.isError).toBe(true);
    expect(status.text).toContain("expired");
  });

  it("ends a session that stayed idle past its TTL, by its own alarm", async () => {
    const session = await newSession();
    const stub = sessionObject(session);
    await runInDurableObject(stub, (_instance, state) => {
      const row = state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'session'")
        .one();
      const record = { ...JSON.parse(row.value), lastActive: 0 };
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'session'", JSON.stringify(record));
    });
    await evictDurableObject(stub); // the running instance caches its record: start from storage
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const listed = await callTool<SessionList>(client, "kiro_session_list");
    expect(listed.data.sessions.map((s) => s.session_id)).not.toContain(session);
  });

  it("caps a task's stored output and says where it cut", async () => {
    const session = await newSession();
    const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
      message: "@bytes 3000000",
      session_id: session,
    });
    const { chunks, final } = await pollUntilDone(client, started.data.task_id);
    expect(final.status).toBe("completed");
    expect(chunks.at(-1)?.kind).toBe("notice");
    expect(chunks.at(-1)?.content).toContain("KIRO_MAX_TASK_OUTPUT_BYTES");
    expect(new TextEncoder().encode(textOf(chunks)).length).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe("resources and prompts", () => {
  it("lists and reads kiro://sessions, kiro://agents and kiro://config without secrets", async () => {
    await newSession();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(["kiro://agents", "kiro://config", "kiro://sessions"]);
    const read = async (uri: string) => {
      const result = await client.readResource({ uri });
      const first = result.contents[0] as { text: string };
      return first.text;
    };
    expect(JSON.parse(await read("kiro://sessions")).sessions.length).toBeGreaterThan(0);
    expect(JSON.parse(await read("kiro://agents")).agents[0].name).toBe("kiro_default");
    const config = await read("kiro://config");
    expect(config).toContain("[redacted]");
    expect(config).not.toContain(inject("runnerSecret"));
  });

  it("offers delegation prompts that tell the client how to poll", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      "kiro_bug_hunt",
      "kiro_plan_then_implement",
      "kiro_review",
    ]);
    const prompt = await client.getPrompt({ name: "kiro_bug_hunt", arguments: { symptom: "crash on save" } });
    const text = (prompt.messages[0]?.content as { text?: string } | undefined)?.text ?? "";
    expect(text).toContain("crash on save");
    expect(text).toContain("kiro_task_status");
  });
});

describe("repository bootstrap", () => {
  const repo = inject("gitRepository");

  it("answers at once with the session preparing, then clones it into its working directory", async () => {
    const { created, setup, chunks, session } = await createFromRepository(client, {
      repository: repo.url,
      working_directory: "clones/main",
    });
    expect(created).toMatchObject({ state: "preparing", working_directory: "clones/main", repository: null });
    expect(setup).toMatchObject({ status: "completed", is_done: true });
    expect(chunks.map((chunk) => chunk.content)).toContain(`Cloning ${repo.url}…`);
    expect(session.state).toBe("ready");
    expect(session.working_directory).toMatch(/\/clones\/main$/);
    expect(session.repository).toEqual({ url: repo.url, ref: null, commit: repo.commit });
    expect(await workspaceFile("clones/main/README.md", controlUrl)).toBe("# cloned\n");
    const turn = await runTurn(session.session_id, "hello");
    expect(turn.status).toBe("completed");
  });

  it("clones a branch into a directory named after the repository", async () => {
    const { session } = await createFromRepository(client, { repository: repo.url, ref: "feature" });
    expect(session.working_directory).toMatch(/\/origin$/);
    expect(session.repository?.commit).toBe(repo.featureCommit);
  });

  it("takes no turn while the clone runs, and says which task to follow", async () => {
    const created = await callTool<{ session_id: string; setup_task_id: string }>(
      client,
      "kiro_session_create",
      {
        repository: repo.url,
        working_directory: "clones/busy",
      },
    );
    const early = await callTool(client, "kiro_chat_async", {
      message: "hi",
      session_id: created.data.session_id,
    });
    // The clone of a local repository can be quick: either it is still running, or the turn starts.
    if (early.isError) expect(early.text).toContain(`still being set up`);
    if (early.isError) expect(early.text).toContain(created.data.setup_task_id);
    await pollUntilDone(client, created.data.setup_task_id);
  });

  it("ends the setup of a repository that cannot be cloned with git's reason", async () => {
    const { setup, session } = await createFromRepository(client, {
      repository: `${repo.url}-missing`,
      working_directory: "clones/x",
    });
    expect(setup).toMatchObject({ status: "failed", reason: "prepare_failed" });
    expect(session.state).toBe("failed");
    expect(session.failure).toMatch(
      /^Cloning .* failed: git clone failed: .*does not appear to be a git repository/s,
    );
    const turn = await callTool(client, "kiro_chat_async", { message: "hi", session_id: session.session_id });
    expect(turn.isError).toBe(true);
    expect(turn.text).toContain("could not be set up");
    expect(await workspaceFile("clones/x/README.md", controlUrl)).toBeNull();
  });

  it.each([
    ["a URL that is not a git URL", { repository: "ext::sh -c touch% /tmp/pwned" }, /URL|url/],
    ["ref without repository", { ref: "main" }, /ref needs repository/],
    ["a target that is not empty", { repository: repo.url, working_directory: "project" }, /not empty/],
    ["a target outside the workspace", { repository: repo.url, working_directory: "../out" }, /outside/],
  ])("refuses %s with a clear error and creates no session", async (_name, args, expected) => {
    const before = await callTool<SessionList>(client, "kiro_session_list");
    const result = await callTool(client, "kiro_session_create", args);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(expected);
    const after = await callTool<SessionList>(client, "kiro_session_list");
    expect(after.data.sessions).toHaveLength(before.data.sessions.length);
  });
});
