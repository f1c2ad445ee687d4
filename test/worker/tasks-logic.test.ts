/** Pure pieces of the MCP Tasks support: the fixtures' guard and the status line of a task. */
import { describe, expect, it } from "vitest";
import type { ToolContext } from "../../src/mcp/context.ts";
import { fixturesEnabled } from "../../src/mcp/tasks/fixtures/guard.ts";
import { statusLine } from "../../src/session/task-digest.ts";

describe("the conformance fixtures' guard", () => {
  const ctx = (flag: string | undefined, origin: string) =>
    ({ env: { KIRO_TEST_FIXTURES: flag }, origin }) as unknown as ToolContext;

  it("opens only with KIRO_TEST_FIXTURES=1 on a loopback host", () => {
    expect(fixturesEnabled(ctx("1", "http://127.0.0.1:8787"))).toBe(true);
    expect(fixturesEnabled(ctx("1", "http://localhost:8787"))).toBe(true);
    expect(fixturesEnabled(ctx("1", "http://[::1]:8787"))).toBe(true);
  });

  it("stays shut in a deployment, even one that set the variable", () => {
    expect(fixturesEnabled(ctx("1", "https://kiro-mcp-edge.example.workers.dev"))).toBe(false);
    expect(fixturesEnabled(ctx("1", "https://kiro.example.com"))).toBe(false);
    expect(fixturesEnabled(ctx(undefined, "http://127.0.0.1:8787"))).toBe(false);
    expect(fixturesEnabled(ctx("true", "http://127.0.0.1:8787"))).toBe(false);
  });
});

describe("statusLine", () => {
  const text = (content: string) => ({ kind: "text" as const, content });
  const tool = (content: string) => ({ kind: "tool_call" as const, content });

  it("is the last non-empty line of the answer, across chunks", () => {
    expect(statusLine([text("ne 2\n"), text("line 1\nli")])).toBe("line 2");
    expect(statusLine([text("\n\n"), text("done\n")])).toBe("done");
  });

  it("is the newest tool call when it came after the text", () => {
    expect(statusLine([tool("⚙ Read README.md (pending)"), text("line 1\n")])).toBe(
      "⚙ Read README.md (pending)",
    );
    expect(statusLine([text("after\n"), tool("⚙ Read")])).toBe("after");
  });

  it("skips thoughts and plans, and is null with nothing to show", () => {
    expect(statusLine([{ kind: "thought", content: "hmm" }, text("answer")])).toBe("answer");
    expect(statusLine([{ kind: "plan", content: "1. x" }])).toBeNull();
    expect(statusLine([])).toBeNull();
  });

  it("is cut at 200 characters", () => {
    expect(statusLine([text("x".repeat(500))])).toHaveLength(200);
  });
});
