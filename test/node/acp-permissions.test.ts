import { describe, expect, it } from "vitest";
import { decidePermission } from "../../container/src/drivers/acp/permissions.ts";
import { exitOf, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { startRunner } from "../helpers/runner-process.ts";

const MESSAGE = "check permissions\n@permission read force\n@permission execute force\n@permission edit";

describe("permission requests under each KIRO_TRUST policy", () => {
  it.each([
    {
      trust: "all",
      answers: [
        "permission read: allow-always",
        "permission execute: allow-always",
        "permission edit: trusted",
      ],
      decisions: [
        "🔒 allowed read: read something (KIRO_TRUST=all)",
        "🔒 allowed execute: execute something (KIRO_TRUST=all)",
      ],
    },
    {
      trust: "read-only",
      answers: [
        "permission read: allow-once",
        "permission execute: reject-once",
        "permission edit: reject-once",
      ],
      decisions: [
        "🔒 allowed read: read something (KIRO_TRUST=read-only)",
        "🔒 rejected execute: execute something (KIRO_TRUST=read-only)",
        "🔒 rejected edit: edit something (KIRO_TRUST=read-only)",
      ],
    },
    {
      trust: "deny",
      answers: [
        "permission read: reject-once",
        "permission execute: reject-once",
        "permission edit: reject-once",
      ],
      decisions: [
        "🔒 rejected read: read something (KIRO_TRUST=deny)",
        "🔒 rejected execute: execute something (KIRO_TRUST=deny)",
        "🔒 rejected edit: edit something (KIRO_TRUST=deny)",
      ],
    },
  ])("$trust", async ({ trust, answers, decisions }) => {
    const runner = await startRunner({ env: { KIRO_DRIVER: "acp", KIRO_TRUST: trust } });
    try {
      const events = await runToEnd(runner, { message: MESSAGE, session_key: "perm" });
      expect(exitOf(events).status).toBe("completed");
      // --trust-all-tools (policy all) makes kiro-cli skip asking unless the tool insists (force).
      expect(textOf(events)).toContain(trust === "all" ? "trust=all" : "trust=ask");
      expect(
        textOf(events)
          .split("\n")
          .filter((line) => line.startsWith("permission ")),
      ).toEqual(answers);
      expect(updatesOf(events, "permission").map((event) => event.text)).toEqual(decisions);
    } finally {
      await runner.stop();
    }
  });

  it("answers cancelled when no offered option fits the decision", () => {
    const request = {
      sessionId: "s",
      toolCall: { toolCallId: "t", title: "Run it", kind: "execute" as const },
      options: [{ optionId: "yes", name: "Yes", kind: "allow_once" as const }],
    };
    const decision = decidePermission("read-only", request);
    expect(decision.response).toEqual({ outcome: { outcome: "cancelled" } });
    expect(decision.text).toBe(
      "🔒 rejected execute: Run it (KIRO_TRUST=read-only, no matching option: cancelled)",
    );
    expect(decidePermission("all", request).response).toEqual({
      outcome: { outcome: "selected", optionId: "yes" },
    });
  });

  it("refuses a KIRO_TRUST it does not know at start-up", async () => {
    const failure = await startRunner({ env: { KIRO_TRUST: "some" } }).catch((error: Error) => error);
    expect(String(failure)).toContain('KIRO_TRUST must be one of all, read-only, deny, ask, not \\"some\\"');
  });
});
