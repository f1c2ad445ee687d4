import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandResponse, RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { health, pidIn, request, runToEnd, startRun } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "acp", KIRO_COMMAND_TIMEOUT_MS: "1000" } });
});

afterAll(async () => {
  await runner?.stop();
});

const command = (key: string, body: unknown) =>
  request<CommandResponse & RunnerErrorBody>(runner, "POST", `/sessions/${key}/command`, body);

describe("slash commands (ACP)", () => {
  it("starts kiro-cli for a session's first command, and its next turn reuses that process", async () => {
    expect((await health(runner)).stats.warm_processes).toBe(0);
    const tools = await command("cmd", { command: "/tools", cwd: "" });
    expect(tools.status).toBe(200);
    expect(tools.body.data).toEqual({
      tools: [{ name: "fs_read" }, { name: "fs_write" }, { name: "execute_bash" }],
    });
    expect(tools.body.output).toBe(`Tools (trust: ask)\n${JSON.stringify(tools.body.data, null, 2)}`);
    expect((await health(runner)).stats.warm_processes).toBe(1);
    const first = await runToEnd(runner, { message: "@pid", session_key: "cmd", resume: true });
    const second = await runToEnd(runner, { message: "@pid", session_key: "cmd", resume: true });
    expect(pidIn(second)).toBe(pidIn(first));
    expect((await health(runner)).stats.warm_processes).toBe(1);
  });

  it("cleans the output and passes arguments", async () => {
    const usage = await command("cmd", { command: "/usage", cwd: "" });
    expect(usage.body.output.split("\n")[0]).toBe("Credits: 1.25 of 1000 used this month");
    const context = await command("cmd", { command: "/context add src", cwd: "", agent: "default" });
    expect(context.body).toEqual({
      output: 'Context window: 12.5% used\n{\n  "contextUsagePercentage": 12.5\n}',
      data: { contextUsagePercentage: 12.5 },
    });
  });

  it("runs beside a turn that is in progress", async () => {
    const runId = await startRun(runner, { message: "@lines 1\n@hang", session_key: "beside" });
    const help = await command("beside", { command: "/help", cwd: "" });
    expect(help.body.output).toContain("Available commands:");
    await request(runner, "POST", `/runs/${runId}/cancel`);
  });

  it("answers bad_request with kiro-cli's message for a command it does not know", async () => {
    const unknown = await command("cmd", { command: "/nope now", cwd: "" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({
      code: "bad_request",
      message: "kiro-cli could not run /nope now: Invalid params: unknown command /nope now",
    });
  });

  it("refuses malformed commands before reaching kiro-cli", async () => {
    const cases: [unknown, number, string][] = [
      [{ command: "tools", cwd: "" }, 400, "command must be a slash command"],
      [{ command: "/", cwd: "" }, 400, "command must be a slash command"],
      [{ command: "/tools\n/help", cwd: "" }, 400, "command must be a single line"],
      [{ command: `/${"x".repeat(1024)}`, cwd: "" }, 400, "command must be at most 1024 bytes"],
      [{ command: "/tools" }, 400, "cwd must be a string"],
      [{ command: "/tools", cwd: "", extra: true }, 400, "extra is not a known field"],
      [{ command: "/tools", cwd: "../.." }, 403, "outside the workspace root"],
    ];
    for (const [body, status, message] of cases) {
      const response = await command("checks", body);
      expect([response.status, response.body.error.message], JSON.stringify(body)).toEqual([
        status,
        expect.stringContaining(message),
      ]);
    }
    const badKey = await command("-bad", { command: "/tools", cwd: "" });
    expect(badKey.status).toBe(400);
  });

  it("gives up on a command kiro-cli does not answer within KIRO_COMMAND_TIMEOUT_MS", async () => {
    const started = Date.now();
    const hung = await command("cmd", { command: "/hang", cwd: "" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect([hung.status, hung.body.error.code]).toEqual([500, "internal"]);
    expect(hung.body.error.message).toBe(
      "kiro-cli did not answer /hang within 1000 ms (KIRO_COMMAND_TIMEOUT_MS); try again",
    );
  });
});

describe("slash commands (headless)", () => {
  it("answers 501 unsupported, naming KIRO_DRIVER=acp", async () => {
    const headless = await startRunner({ env: { KIRO_DRIVER: "headless" } });
    try {
      const response = await request<RunnerErrorBody>(headless, "POST", "/sessions/s/command", {
        command: "/tools",
        cwd: "",
      });
      expect(response.status).toBe(501);
      expect(response.body.error).toEqual({
        code: "unsupported",
        message: "slash commands need the ACP driver (KIRO_DRIVER=acp); headless kiro-cli has none",
      });
      expect((await request(headless, "POST", "/sessions/s/reset")).status).toBe(200);
      expect((await request(headless, "DELETE", "/sessions/s")).status).toBe(200);
    } finally {
      await headless.stop();
    }
  });
});
