/** Pure pieces of the MCP Tasks support: the fixtures' guard and the status line of a task. */
import { describe, expect, it } from "vitest";
import type { ToolContext } from "../../src/mcp/context.ts";
import { fixturesEnabled } from "../../src/mcp/tasks/fixtures/guard.ts";
import { elicitationFor, optionFor } from "../../src/mcp/tasks/permission-input.ts";
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

describe("a client's response to a permission request", () => {
  const prompt = {
    key: "permission-3",
    request: {
      sessionId: "s",
      toolCall: { toolCallId: "t", title: "Run npm test", kind: "execute" },
      options: [
        { optionId: "yes", name: "Yes", kind: "allow_once" },
        { optionId: "always", name: "Always", kind: "allow_always" },
        { optionId: "no", name: "No", kind: "reject_once" },
      ],
    },
  };

  it("maps accept, decline and cancel to Kiro's options", () => {
    expect(optionFor(prompt, { action: "accept", content: { option: "always" } })).toBe("always");
    expect(optionFor(prompt, { action: "accept" })).toBe("yes");
    expect(optionFor(prompt, { action: "accept", content: { confirm: true } })).toBe("yes");
    expect(optionFor(prompt, { action: "decline" })).toBe("no");
    expect(optionFor(prompt, { action: "cancel" })).toBeNull();
  });

  it("refuses what is no answer, naming the key", () => {
    expect(() => optionFor(prompt, { action: "accept", content: { option: "sudo" } })).toThrow(
      "inputResponses.permission-3 content.option must be one of yes, always, no",
    );
    expect(() => optionFor(prompt, { ignored: true })).toThrow(
      /inputResponses.permission-3 must be an elicitation result/,
    );
  });

  it("offers Kiro's options as a form with one optional field", () => {
    expect(elicitationFor(prompt)).toEqual({
      method: "elicitation/create",
      params: {
        mode: "form",
        message:
          'Kiro asks to execute: Run npm test. Accept to allow it (choose "Always" to stop Kiro asking again for this tool), decline to refuse.',
        requestedSchema: {
          type: "object",
          properties: {
            option: {
              type: "string",
              title: "Answer",
              oneOf: [
                { const: "yes", title: "Yes" },
                { const: "always", title: "Always" },
                { const: "no", title: "No" },
              ],
            },
          },
        },
      },
    });
  });
});
