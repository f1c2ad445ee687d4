/**
 * Real third-party MCP clients against `npm run dev` (wrangler dev, the host runner, the kiro-cli
 * stub), each as the child process a user would run:
 * - the MCP Inspector CLI (`mcp-inspector --cli URL --transport http --method …`), one process per
 *   request, as a shell script or CI job would drive it;
 * - mcp-remote, the stdio bridge Claude Desktop and other stdio-only clients use, spoken to over
 *   its stdin/stdout by the SDK's stdio client transport.
 * Local mode has no tokens, so neither is ever asked to authenticate.
 */
import { rmSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { isolatedClientEnv, packageBin, runNodeScript } from "../helpers/client-processes.ts";
import { e2eSuite } from "../helpers/e2e-suite.ts";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../helpers/mcp-client.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";

const INSPECTOR = packageBin("@modelcontextprotocol/inspector", "mcp-inspector");
const MCP_REMOTE = packageBin("mcp-remote", "mcp-remote");
/** One Inspector CLI run: start Node, connect, one request (a long-poll of up to 2 s). */
const INSPECTOR_RUN_TIMEOUT_MS = 30_000;

const e2e = e2eSuite();
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function clientEnv(prefix: string): Record<string, string> {
  const { home, env } = isolatedClientEnv(prefix);
  homes.push(home);
  return env;
}

describe("MCP Inspector CLI", () => {
  /** One `mcp-inspector --cli` run; its JSON answer's `result`. */
  async function inspector<T>(env: Record<string, string>, args: string[]): Promise<T> {
    const run = await runNodeScript(
      INSPECTOR,
      ["--cli", e2e.dev.mcpUrl, "--transport", "http", "--format", "json", ...args],
      { env, timeoutMs: INSPECTOR_RUN_TIMEOUT_MS },
    );
    expect(run.code, `mcp-inspector ${args.join(" ")}\n${run.stdout}\n${run.stderr}`).toBe(0);
    return (JSON.parse(run.stdout) as { result: T }).result;
  }

  it("lists the tools with no portability error, starts a task and reads it to the end", async () => {
    const env = clientEnv("kiro-e2e-inspector-");
    // --strict: exit 6 if any tool schema has an error-severity portability problem.
    const { tools } = await inspector<{ tools: Array<{ name: string; outputSchema?: object }> }>(env, [
      "--method",
      "tools/list",
      "--strict",
    ]);
    expect(tools.map((tool) => tool.name)).toContain("kiro_chat_async");
    expect(tools.length).toBe(18);
    for (const tool of tools) expect(tool.outputSchema, tool.name).toBeDefined();

    type CallResult<T> = { structuredContent: T; isError?: boolean };
    const started = await inspector<CallResult<{ task_id: string; status: string; view_url: string }>>(env, [
      "--method",
      "tools/call",
      "--tool-name",
      "kiro_chat_async",
      "--tool-arg",
      "message=@lines 5\n@delay 150",
    ]);
    expect(started.isError ?? false).toBe(false);
    expect(started.structuredContent.status).toBe("running");
    const taskId = started.structuredContent.task_id;

    const chunks: StatusLike["new_chunks"] = [];
    let final: StatusLike | undefined;
    for (let run = 0; run < 20 && final === undefined; run++) {
      const status = await inspector<CallResult<StatusLike>>(env, [
        "--method",
        "tools/call",
        "--tool-name",
        "kiro_task_status",
        "--tool-arg",
        `task_id=${taskId}`,
        `from_chunk_index=${chunks.length}`,
        "wait_ms=2000",
      ]);
      expect(status.isError ?? false).toBe(false);
      for (const chunk of status.structuredContent.new_chunks) {
        expect(chunk.index).toBe(chunks.length);
        chunks.push(chunk);
      }
      if (status.structuredContent.is_done && !status.structuredContent.has_more) {
        final = status.structuredContent;
      }
    }
    expect(final?.status).toBe("completed");
    const expected = Array.from({ length: 5 }, (_, i) => `line ${i + 1}\n`).join("");
    expect(textOf(chunks)).toBe(expected);
    expect(final?.result).toBe(expected);
  });
});

describe("mcp-remote (stdio bridge)", () => {
  let transport: StdioClientTransport | undefined;
  afterEach(() => {
    const pid = transport?.pid;
    transport = undefined;
    if (pid !== null && pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  });

  it("bridges initialize, tools/list, a task, its polls and progress to a stdio client", async () => {
    const env = clientEnv("kiro-e2e-mcp-remote-");
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE, e2e.dev.mcpUrl, "--transport", "http-only", "--auth-timeout", "5"],
      env,
      stderr: "pipe",
    });
    let bridgeLog = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      bridgeLog += chunk.toString("utf8");
    });
    const client = new Client({ name: "kiro-mcp-edge-tests-stdio", version: "0.0.0" });
    try {
      await client.connect(transport, { timeout: 30_000 });
      expect(client.getServerVersion()?.name).toBe("kiro-mcp-edge");
      expect(client.getServerCapabilities()?.tools).toBeDefined();

      const { tools } = await client.listTools();
      expect(tools).toHaveLength(18);

      const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
      expect(session.isError, session.text).toBe(false);
      const started = await callTool<{ task_id: string; status: string }>(client, "kiro_chat_async", {
        message: "@lines 6\n@delay 150",
        session_id: session.data.session_id,
      });
      expect(started.isError, started.text).toBe(false);
      expect(started.data.status).toBe("running");
      let chunksWhileRunning = 0;
      const { chunks, final } = await pollUntilDone(client, started.data.task_id, {
        waitMs: 2_000,
        deadlineMs: 30_000,
        onPoll: (status) => {
          if (status.status === "running") chunksWhileRunning += status.new_chunks.length;
        },
      });
      expect(final.status).toBe("completed");
      expect(chunksWhileRunning).toBeGreaterThan(0);
      expect(textOf(chunks)).toBe(Array.from({ length: 6 }, (_, i) => `line ${i + 1}\n`).join(""));

      // Progress notifications of a waiting kiro_chat pass through the bridge.
      const progress: number[] = [];
      const answer = await callTool<{ status: string; result: string }>(
        client,
        "kiro_chat",
        { message: "@lines 3\n@delay 150", session_id: session.data.session_id },
        { onprogress: (event) => progress.push(event.progress) },
      );
      expect(answer.data.status).toBe("completed");
      expect(answer.data.result).toContain("line 3");
      expect(progress.length).toBeGreaterThan(0);
    } catch (error) {
      console.error(`mcp-remote printed:\n${bridgeLog.slice(-8_000)}`);
      throw error;
    }
    const pid = transport.pid;
    await client.close();
    expect(bridgeLog).toContain("Connected to remote server using StreamableHTTPClientTransport");
    expect(bridgeLog).not.toContain("Authentication required");
    if (pid !== null) await waitFor(() => (isAlive(pid) ? undefined : true), 5_000, "mcp-remote to exit");
  });
});
