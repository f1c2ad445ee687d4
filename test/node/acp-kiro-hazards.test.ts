/**
 * Turns the real kiro-cli can leave hanging, and the runner ending them: Kiro's "Tool uses were
 * interrupted" after its security filter stops a tool (the prompt is never answered), a kiro-cli
 * that goes silent (KIRO_TURN_IDLE_TIMEOUT_MS), and the readable notices Kiro's own notifications
 * become — driven through the real runner and the stand-in kiro-cli.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitOf, pidIn, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const IDLE_MS = 1_200;
const SENTINEL = "Tool uses were interrupted, waiting for the next user prompt";

let runner: RunnerProcess;

beforeAll(async () => {
  runner = await startRunner({ env: { KIRO_DRIVER: "acp", KIRO_TURN_IDLE_TIMEOUT_MS: String(IDLE_MS) } });
});

afterAll(async () => {
  await runner?.stop();
});

const noticesOf = (events: Awaited<ReturnType<typeof runToEnd>>) =>
  updatesOf(events, "notice").map((event) => event.text);

describe("turns kiro-cli never answers", () => {
  it("ends a turn Kiro abandons after interrupting its tool use, at once, keeping kiro-cli warm", async () => {
    const events = await runToEnd(runner, { message: "@pid\n@tool-interrupted", session_key: "filter" });
    const exit = exitOf(events);
    const sentinel = events.find(
      (event) => event.type === "output" && event.text.startsWith("Tool uses were"),
    );
    expect(exit.at - (sentinel?.at ?? 0)).toBeLessThan(IDLE_MS / 2);
    expect(exit).toMatchObject({ status: "failed", reason: "tool_interrupted" });
    expect(exit.error).toContain(SENTINEL);
    expect(exit.error).toContain("security filter");
    expect(textOf(events)).toContain(SENTINEL);
    expect(updatesOf(events, "tool_call").map((event) => event.text)).toEqual([
      "⚙ shell [execute] (preparing)",
      "⚙ Running: cat ~/.aws/credentials [execute] (pending)",
    ]);
    const next = await runToEnd(runner, { message: "@pid\nnext", session_key: "filter", resume: true });
    expect(exitOf(next).status).toBe("completed");
    expect(pidIn(next)).toBe(pidIn(events));
  });

  it("does not end a turn that merely quotes Kiro's sentence in its answer", async () => {
    const events = await runToEnd(runner, {
      message: `Kiro says "${SENTINEL}" sometimes`,
      session_key: "quote",
    });
    expect(exitOf(events).status).toBe("completed");
  });

  it("cancels a turn silent for KIRO_TURN_IDLE_TIMEOUT_MS and fails it with idle_timeout", async () => {
    const events = await runToEnd(runner, { message: "@pid\n@lines 1\n@hang", session_key: "idle" });
    const exit = exitOf(events);
    expect(exit).toMatchObject({ status: "failed", reason: "idle_timeout" });
    expect(exit.error).toContain(`${IDLE_MS} ms`);
    expect(exit.error).toContain("KIRO_TURN_IDLE_TIMEOUT_MS");
    expect(textOf(events)).toContain("line 1");
    // kiro-cli honoured the cancel: the process stays warm.
    const next = await runToEnd(runner, { message: "@pid", session_key: "idle", resume: true });
    expect(pidIn(next)).toBe(pidIn(events));
  });

  it("kills a silent kiro-cli that ignores the cancel too", async () => {
    const events = await runToEnd(runner, { message: "@pid\n@ignore-cancel\n@hang", session_key: "deaf" });
    expect(exitOf(events)).toMatchObject({ status: "failed", reason: "idle_timeout", signal: "SIGKILL" });
    const next = await runToEnd(runner, { message: "@pid", session_key: "deaf", resume: true });
    expect(pidIn(next)).not.toBe(pidIn(events));
  });

  it("lets a tool that keeps reporting run past the idle timeout", async () => {
    const started = Date.now();
    const tool = await runToEnd(runner, { message: "@tool-progress 8 400", session_key: "busy-tool" });
    expect(Date.now() - started).toBeGreaterThan(2 * IDLE_MS);
    expect(exitOf(tool).status).toBe("completed");
    // Kiro's previews of a tool call show it once, linked to the call by its id.
    const calls = updatesOf(tool, "tool_call").map((event) => [
      event.text,
      (event.data as { toolCallId: string }).toolCallId,
    ]);
    expect(calls).toEqual([
      ["⚙ shell [execute] (preparing)", "tooluse_progress"],
      ["⚙ Running: npm test [execute] (in_progress)", "tooluse_progress"],
    ]);
    const answer = await runToEnd(runner, { message: "@lines 5\n@delay 500", session_key: "slow-answer" });
    expect(exitOf(answer).status).toBe("completed");
  });
});

describe("Kiro's own notifications", () => {
  it("says that Kiro is rate-limited and retrying, also for a subagent", async () => {
    const events = await runToEnd(runner, {
      message: "@rate-limit\n@subagent-rate-limit\n@lines 1",
      session_key: "rl",
    });
    expect(exitOf(events).status).toBe("completed");
    expect(noticesOf(events)).toEqual([
      "Kiro is rate-limited: Rate limit exceeded. Please wait a moment before trying again.",
      "Kiro is retrying: Retrying in 8s (attempt 2/3)",
      "a subagent: Kiro is rate-limited: Rate limit exceeded. Please wait a moment before trying again.",
      "a subagent: Kiro is retrying: Retrying in 8s (attempt 2/3)",
    ]);
  });

  it("fails a rate-limited turn with Kiro's reason, read from the error's data", async () => {
    const exit = exitOf(await runToEnd(runner, { message: "@rate-limit-fail", session_key: "rl-fail" }));
    expect(exit).toMatchObject({ status: "failed", reason: "exited" });
    expect(exit.error).toBe(
      "Kiro is rate-limited (The monthly usage limit has been reached); send the message again once the limit has passed. kiro-cli answered the prompt with an error: Internal error: Encountered an error in the response stream: The monthly usage limit has been reached (request_id: abc)",
    );
  });

  it("turns agent fallback, subagents and compaction into readable notices", async () => {
    const events = await runToEnd(runner, {
      message: "@agent-fallback\n@subagents\n@compaction\n@lines 1",
      session_key: "notices",
    });
    expect(noticesOf(events)).toEqual([
      "Kiro has no agent reviewer-x; it uses kiro_default instead",
      "subagents: reviewer (working)",
      "subagents: reviewer (terminated)",
      "compaction: started",
    ]);
    expect(updatesOf(events, "unknown")).toEqual([]);
  });

  it("says why a compaction failed, from the status object Kiro sends", async () => {
    const events = await runToEnd(runner, {
      message: "@compaction error the conversation is too large to summarize\n@lines 1",
      session_key: "compaction-error",
    });
    expect(noticesOf(events)).toEqual(["compaction: error — the conversation is too large to summarize"]);
  });

  it("appends the output a tool streams to its tool call", async () => {
    const events = await runToEnd(runner, { message: "@tool-output\n@lines 1", session_key: "tool-output" });
    const output = updatesOf(events, "tool_call_update").filter(
      (event) => (event.data as { toolCallId?: string } | undefined)?.toolCallId === "tooluse_output",
    );
    expect(output.map((event) => event.text.split("\n").slice(1).join("\n"))).toEqual([
      "compiling a.c\n",
      "linking app\n",
      "",
    ]);
    expect(updatesOf(events, "unknown")).toEqual([]);
  });
});
