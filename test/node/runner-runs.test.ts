import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import { isAlive } from "../helpers/processes.ts";
import { collectEvents, exitOf, readEvents, runToEnd, startRun, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "headless" } });
  mkdirSync(path.join(runner.kiroHome, "agents"), { recursive: true });
  writeFileSync(path.join(runner.kiroHome, "agents", "reviewer.json"), "{}");
});

afterAll(async () => {
  await runner?.stop();
});

function expectContiguous(events: RunEvent[], from = 1): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => from + i));
  expect(events.filter((event) => event.type === "exit")).toHaveLength(1);
}

describe("runs", () => {
  it("streams output while kiro-cli is still running", async () => {
    const runId = await startRun(runner, { message: "@lines 5\n@delay 200" });
    const arrivals: { event: RunEvent; at: number }[] = [];
    for await (const event of readEvents(runner, runId)) arrivals.push({ event, at: Date.now() });
    const first = arrivals.find((entry) => entry.event.type === "output");
    const exit = arrivals.at(-1);
    expect(first?.event.type === "output" && first.event.text).toContain("line 1");
    // The first line was delivered at least three delays before the stub exited.
    expect((exit?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(600);
    expectContiguous(arrivals.map((entry) => entry.event));
    expect(textOf(arrivals.map((entry) => entry.event))).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
  });

  it("resumes a broken stream from the last seq with no gap and no duplicate", async () => {
    const runId = await startRun(runner, { message: "@lines 12\n@delay 20" });
    const firstPart: RunEvent[] = [];
    for await (const event of readEvents(runner, runId)) {
      firstPart.push(event);
      if (firstPart.length === 3) break;
    }
    const lastSeq = firstPart.at(-1)?.seq ?? 0;
    const rest = await collectEvents(runner, runId, lastSeq);
    const all = [...firstPart, ...rest];
    expectContiguous(all);
    expect(textOf(all)).toBe(Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join(""));
    const again = await collectEvents(runner, runId, 0);
    expect(again).toEqual(all);
  });

  it("never splits a multi-byte character written one byte at a time", async () => {
    const events = await runToEnd(runner, { message: "@utf8split" });
    for (const event of events) {
      if (event.type === "output") expect(event.text).not.toContain("\uFFFD");
    }
    expect(textOf(events)).toBe("héllo wörld 🚀 日本語\n");
  });

  it("removes ANSI escapes and answers with what the stub saw", async () => {
    const events = await runToEnd(runner, { message: "explain the build", model: "claude-x" });
    const text = textOf(events);
    expect(text).not.toContain("\x1b");
    expect(text).toBe(
      "[kiro-cli stub] agent=default model=claude-x trust=read,glob,grep resume=no\n> explain the build\nKiro: I read your message (17 chars): explain the build\n",
    );
    expect(exitOf(events)).toMatchObject({
      status: "completed",
      reason: "exited",
      exit_code: 0,
      output_bytes: text.length,
    });
  });

  it("delivers 5 MB of mixed output exactly, in events no larger than 64 KiB", async () => {
    const events = await runToEnd(runner, { message: "@bytes 5000000" });
    const text = textOf(events);
    expect(text === stubBytesOutput(5_000_000).clean).toBe(true);
    for (const event of events) {
      if (event.type === "output") expect(Buffer.byteLength(event.text)).toBeLessThanOrEqual(64 * 1024);
    }
    expect(exitOf(events).output_bytes).toBe(Buffer.byteLength(text));
    expectContiguous(events);
  });

  it("continues the conversation of the directory with resume", async () => {
    mkdirSync(path.join(runner.workspaceRoot, "convo"), { recursive: true });
    await runToEnd(runner, { message: "remember the word aubergine", cwd: "convo" });
    const resumed = textOf(await runToEnd(runner, { message: "@recall", cwd: "convo", resume: true }));
    expect(resumed).toContain('recall 1: "remember the word aubergine"');
    const fresh = textOf(await runToEnd(runner, { message: "@recall", cwd: "convo" }));
    expect(fresh).toContain("recall: 0 earlier turn(s)");
  });

  it("passes the agent, keeps the runner secret from kiro-cli and redacts the API key", async () => {
    const text = textOf(
      await runToEnd(runner, {
        message: "hi\n@echo-env KIRO_RUNNER_SECRET\n@echo-env KIRO_API_KEY",
        agent: "reviewer",
      }),
    );
    expect(text).toContain("agent=reviewer");
    expect(text).toContain("KIRO_RUNNER_SECRET is unset");
    expect(text).toContain("KIRO_API_KEY=[redacted]");
  });
});

describe("outcomes", () => {
  it("fails exit 1 with the stderr tail", async () => {
    const events = await runToEnd(runner, { message: "some output\n@stderr something broke\n@exit 1" });
    expect(textOf(events, "stderr")).toBe("something broke\n");
    expect(exitOf(events)).toMatchObject({
      status: "failed",
      reason: "exited",
      exit_code: 1,
      error: "kiro-cli exited with code 1: something broke",
      stderr_tail: "something broke\n",
    });
  });

  it("fails exit 4 as an unknown agent", async () => {
    const exit = exitOf(await runToEnd(runner, { message: "hi", agent: "nobody" }));
    expect(exit).toMatchObject({ status: "failed", exit_code: 4 });
    expect(exit.error).toBe(
      "kiro-cli exited with code 4 (the requested agent was not found): error: agent 'nobody' not found",
    );
  });

  it("fails exit 3 as an MCP server that did not start", async () => {
    const exit = exitOf(await runToEnd(runner, { message: "@exit 3" }));
    expect(exit.error).toBe("kiro-cli exited with code 3 (an MCP server failed to start)");
  });

  it("fails exit 0 without output", async () => {
    const exit = exitOf(await runToEnd(runner, { message: "@empty" }));
    expect(exit).toMatchObject({ status: "failed", reason: "exited", exit_code: 0, output_bytes: 0 });
    expect(exit.error).toContain("kiro-cli exited 0 without output");
    expect(exit.error).toContain("the service returned no content");
  });

  it("ends a run whose kiro-cli exited while a grandchild holds its pipes, killing the grandchild", async () => {
    const pidfile = path.join(runner.kiroHome, "pipes.pid");
    const events = await runToEnd(runner, { message: `done\n@pidfile ${pidfile}\n@child pipes` });
    expect(exitOf(events).status).toBe("completed");
    const { child } = JSON.parse(readFileSync(pidfile, "utf8")) as { child: number };
    expect(isAlive(child)).toBe(false);
  });
});
