import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunnerErrorBody } from "../../container/src/protocol/index.ts";
import { isAlive, waitFor } from "../helpers/processes.ts";
import {
  exitOf,
  pidIn,
  readEvents,
  request,
  runToEnd,
  startRun,
  textOf,
  updatesOf,
} from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "acp" } });
  mkdirSync(path.join(runner.kiroHome, "agents"), { recursive: true });
  writeFileSync(path.join(runner.kiroHome, "agents", "reviewer.json"), "{}");
});

afterAll(async () => {
  await runner?.stop();
});

function expectContiguous(events: RunEvent[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((event) => event.type === "exit")).toHaveLength(1);
}

describe("ACP turns", () => {
  it("streams typed events in order with contiguous seq; output alone is the answer", async () => {
    const events = await runToEnd(runner, {
      message: "hello\n@thought pondering\n@tool Read README\n@plan a|b|c\n@usage\n@lines 2",
      session_key: "typed",
    });
    expectContiguous(events);
    // Consecutive answer chunks may be merged into one output event (CoalescingSink).
    const kinds = events.map((event) => (event.type === "update" ? event.kind : event.type));
    expect(kinds.filter((kind, i) => kind !== "output" || kinds[i - 1] !== "output")).toEqual([
      "output",
      "thought",
      "tool_call",
      "tool_call_update",
      "plan",
      "usage",
      "output",
      "exit",
    ]);
    const texts = updatesOf(events).map((event) => event.text);
    expect(texts).toEqual([
      "pondering",
      `⚙ Read README [read] (pending) ${runner.workspaceRoot}/README.md:1`,
      "⚙ Read README (completed)",
      "[x] a\n[~] b\n[ ] c",
      "context: 1200 of 200000 tokens (0.6%) · 0.02 USD",
    ]);
    expect(updatesOf(events, "tool_call")[0]?.data).toMatchObject({
      sessionUpdate: "tool_call",
      kind: "read",
    });
    expect(textOf(events)).toBe(
      "[kiro-cli stub acp] agent=default model=auto trust=ask\nKiro: I read your message (5 chars): hello\nline 1\nline 2\n",
    );
    expect(exitOf(events)).toMatchObject({
      status: "completed",
      reason: "exited",
      exit_code: null,
      signal: null,
    });
  });

  it("delivers chunks while the turn is still running", async () => {
    const runId = await startRun(runner, { message: "@lines 4\n@delay 120", session_key: "live" });
    const arrivals: { event: RunEvent; at: number }[] = [];
    for await (const event of readEvents(runner, runId)) arrivals.push({ event, at: Date.now() });
    const first = arrivals.find((entry) => entry.event.type === "output");
    expect((arrivals.at(-1)?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(250);
  });

  it("reuses the warm process for the next message; resume continues the conversation", async () => {
    const first = await runToEnd(runner, { message: "@pid\nremember aubergine", session_key: "warm" });
    const second = await runToEnd(runner, { message: "@pid\n@recall", session_key: "warm", resume: true });
    expect(pidIn(second)).toBe(pidIn(first));
    expect(textOf(second)).toContain('recall 1: "@pid\\nremember aubergine"');
    const fresh = await runToEnd(runner, { message: "@pid\n@recall", session_key: "warm", resume: false });
    expect(pidIn(fresh)).toBe(pidIn(first));
    expect(textOf(fresh)).toContain("recall: 0 earlier turn(s)");
  });

  it("restarts kiro-cli with --agent when the agent changes, keeping the conversation", async () => {
    const first = await runToEnd(runner, { message: "@pid\nfirst", session_key: "agents" });
    const second = await runToEnd(runner, {
      message: "@pid\n@recall\nsecond",
      session_key: "agents",
      agent: "reviewer",
      resume: true,
    });
    expect(pidIn(second)).not.toBe(pidIn(first));
    expect(textOf(second)).toContain("agent=reviewer");
    expect(textOf(second)).toContain("recall: 1 earlier turn(s)");
    await waitFor(() => (isAlive(pidIn(first)) ? undefined : true), 5_000, "the old process to stop");
  });

  it("passes a lone surrogate to kiro-cli as U+FFFD, as a headless stdin does", async () => {
    const events = await runToEnd(runner, { message: "a\uD800b", session_key: "surrogate" });
    expect(textOf(events)).toContain("Kiro: I read your message (3 chars): a\uFFFDb\n");
  });

  it("switches the model with session/set_model", async () => {
    const events = await runToEnd(runner, {
      message: "which model",
      session_key: "model",
      model: "claude-x",
    });
    expect(textOf(events)).toContain("agent=default model=claude-x trust=ask");
    expect(updatesOf(events, "notice")).toEqual([]);
  });

  it("fails a run whose agent kiro-cli does not know (exit 4), with its stderr", async () => {
    const exit = exitOf(await runToEnd(runner, { message: "hi", session_key: "nobody", agent: "nobody" }));
    expect(exit).toMatchObject({ status: "failed", reason: "exited", exit_code: 4 });
    expect(exit.error).toBe(
      "kiro-cli exited with code 4 (the requested agent was not found) during initialize: error: agent 'nobody' not found",
    );
  });

  it("puts Kiro's final metadata on the exit event and each frame in a usage update", async () => {
    const events = await runToEnd(runner, { message: "hi\n@metadata", session_key: "metadata" });
    expect(updatesOf(events, "usage").map((event) => event.text)).toEqual([
      "context 10%",
      "context 12.5% · 0.21 credits · 8.0 s",
    ]);
    expect(exitOf(events).metadata).toEqual({
      contextUsagePercentage: 12.5,
      meteringUsage: [{ value: 0.21, unit: "credit", unitPlural: "credits" }],
      turnDurationMs: 8000,
    });
  });

  it("records notifications it does not know and carries on", async () => {
    const events = await runToEnd(runner, {
      message: "@unknown\n@compaction\n@lines 1",
      session_key: "unknown",
    });
    expect(updatesOf(events).map((event) => [event.kind, event.text])).toEqual([
      ["unknown", "_kiro.dev/something"],
      ["unknown", "session/update future_update_kind"],
      ["notice", "compaction: started"],
    ]);
    expect(updatesOf(events, "unknown")[0]?.data).toMatchObject({ detail: "a new extension" });
    expect(exitOf(events).status).toBe("completed");
  });

  it("keeps a summary of a payload over 64 KiB, with a notice", async () => {
    const events = await runToEnd(runner, { message: "@big-tool\n@lines 1", session_key: "big" });
    const [update] = updatesOf(events, "tool_call_update");
    expect(update?.data).toMatchObject({ truncated: true, toolCallId: "big", status: "completed" });
    expect(JSON.stringify(update?.data).length).toBeLessThan(1000);
    expect(updatesOf(events, "notice")[0]?.text).toContain("payload was");
  });
});

describe("ACP turn outcomes", () => {
  it("completes max_tokens with a notice, fails refusal and prompt errors", async () => {
    const maxTokens = await runToEnd(runner, { message: "hi\n@stop max_tokens", session_key: "stops" });
    expect(exitOf(maxTokens).status).toBe("completed");
    expect(updatesOf(maxTokens, "notice")[0]?.text).toContain("stopReason max_tokens");
    const refusal = exitOf(await runToEnd(runner, { message: "hi\n@stop refusal", session_key: "stops" }));
    expect(refusal).toMatchObject({ status: "failed", error: expect.stringContaining("refusal") });
    const error = exitOf(await runToEnd(runner, { message: "hi\n@error boom", session_key: "stops" }));
    expect(error.error).toBe("kiro-cli answered the prompt with an error: boom");
  });

  it("fails a turn in which nothing at all happened, quoting stderr; a thought alone is enough", async () => {
    const empty = exitOf(await runToEnd(runner, { message: "@empty", session_key: "empty" }));
    expect(empty).toMatchObject({ status: "failed", reason: "exited", output_bytes: 0 });
    expect(empty.error).toBe(
      "kiro-cli ended the turn (end_turn) without any output (check that KIRO_API_KEY is valid): error: model request failed: the service returned no content",
    );
    const thought = exitOf(
      await runToEnd(runner, { message: "@thought just thinking", session_key: "empty" }),
    );
    expect(thought.status).toBe("completed");
  });

  it("refuses a second run for a session whose turn is running, with too_many_runs", async () => {
    const runId = await startRun(runner, { message: "@hang", session_key: "busy" });
    const second = await request<RunnerErrorBody>(runner, "POST", "/runs", {
      run_id: "busy-second",
      message: "hi",
      cwd: "",
      session_key: "busy",
    });
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: "too_many_runs" });
    expect(second.body.error.message).toContain(`session busy is already running run ${runId}`);
    await request(runner, "POST", `/runs/${runId}/cancel`);
  });

  it("gives a run without a session key a process of its own, stopped with the run", async () => {
    const events = await runToEnd(runner, { message: "@pid\nalone" });
    expect(exitOf(events).status).toBe("completed");
    await waitFor(() => (isAlive(pidIn(events)) ? undefined : true), 5_000, "the run's own kiro-cli to stop");
  });
});
