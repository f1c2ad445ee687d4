import { describe, expect, it } from "vitest";
import { type AcpVerdictInput, decideAcpVerdict } from "../../container/src/drivers/acp/verdict.ts";
import { decideHeadlessVerdict, type HeadlessVerdictInput } from "../../container/src/drivers/headless.ts";

const base: HeadlessVerdictInput = {
  exit: { code: 0, signal: null },
  stopReason: undefined,
  hasOutput: true,
  stderrTail: "",
  runTimeoutMs: 1_800_000,
  maxRunOutputBytes: 64 * 1024 * 1024,
};

describe("exit outcome", () => {
  it("completes on exit 0 with output", () => {
    expect(decideHeadlessVerdict(base)).toEqual({ status: "completed", reason: "exited" });
  });

  it("fails exit 0 without output, pointing at the API key", () => {
    const outcome = decideHeadlessVerdict({ ...base, hasOutput: false, stderrTail: "auth failed\n" });
    expect(outcome).toEqual({
      status: "failed",
      reason: "exited",
      error: "kiro-cli exited 0 without output (check that KIRO_API_KEY is valid): auth failed",
    });
  });

  it("names a signal kiro-cli died of when the runner did not send it", () => {
    const outcome = decideHeadlessVerdict({ ...base, exit: { code: null, signal: "SIGSEGV" } });
    expect(outcome.error).toBe("kiro-cli was killed by signal SIGSEGV");
  });

  it("reports why the runner stopped a run, whatever signal ended it", () => {
    const killed = { ...base, exit: { code: null, signal: "SIGKILL" as const } };
    expect(decideHeadlessVerdict({ ...killed, stopReason: "cancelled" })).toMatchObject({
      status: "cancelled",
      reason: "cancelled",
    });
    expect(decideHeadlessVerdict({ ...killed, stopReason: "timeout" }).error).toBe(
      "kiro-cli did not finish within 1800000 ms (KIRO_RUN_TIMEOUT_MS) and was stopped",
    );
    expect(decideHeadlessVerdict({ ...killed, stopReason: "output_limit" })).toMatchObject({
      reason: "output_limit",
    });
    expect(decideHeadlessVerdict({ ...killed, stopReason: "shutdown" })).toMatchObject({
      status: "failed",
      reason: "shutdown",
    });
  });

  it("reports a spawn failure", () => {
    const outcome = decideHeadlessVerdict({
      ...base,
      exit: { code: null, signal: null, spawnError: "ENOENT: spawn x" },
    });
    expect(outcome).toEqual({
      status: "failed",
      reason: "spawn_failed",
      error: "kiro-cli could not be started (ENOENT: spawn x)",
    });
  });

  it("quotes only the end of a long stderr", () => {
    const outcome = decideHeadlessVerdict({
      ...base,
      exit: { code: 1, signal: null },
      stderrTail: `${"a".repeat(2000)}END`,
    });
    expect(outcome.error?.endsWith("aaaEND")).toBe(true);
    expect(outcome.error?.length).toBeLessThan(600);
    expect(outcome.error).toContain(": …a");
  });
});

describe("ACP turn outcome", () => {
  const acpBase: AcpVerdictInput = {
    end: { driver: "acp", stopReason: "end_turn" },
    stopReason: undefined,
    activity: true,
    stderrTail: "",
    runTimeoutMs: 1_800_000,
    maxRunOutputBytes: 64 * 1024 * 1024,
  };

  it("completes end_turn with activity and fails it without any", () => {
    expect(decideAcpVerdict(acpBase)).toEqual({ status: "completed", reason: "exited" });
    expect(decideAcpVerdict({ ...acpBase, activity: false, stderrTail: "no auth\n" })).toEqual({
      status: "failed",
      reason: "exited",
      error:
        "kiro-cli ended the turn (end_turn) without any output (check that KIRO_API_KEY is valid): no auth",
    });
  });

  it("reports why the runner stopped the turn over what kiro-cli answered", () => {
    const outcome = decideAcpVerdict({
      ...acpBase,
      stopReason: "cancelled",
      end: { driver: "acp", stopReason: "cancelled" },
    });
    expect(outcome).toEqual({ status: "cancelled", reason: "cancelled", error: "the run was cancelled" });
  });

  it("maps kiro-cli's own stop reasons", () => {
    const reason = (stopReason: string) =>
      decideAcpVerdict({ ...acpBase, end: { driver: "acp", stopReason } });
    expect(reason("cancelled")).toMatchObject({ status: "cancelled", reason: "exited" });
    expect(reason("refusal")).toMatchObject({ status: "failed" });
    expect(reason("max_turn_requests")).toMatchObject({
      status: "completed",
      notice: expect.stringContaining("cut short"),
    });
    expect(reason("something_new")).toMatchObject({
      status: "completed",
      notice: expect.stringContaining("something_new"),
    });
  });

  it("fails with the driver's words and the stderr tail, or as spawn_failed", () => {
    const died = decideAcpVerdict({
      ...acpBase,
      end: {
        driver: "acp",
        error: "kiro-cli exited with code 2 during the turn",
        exit: { code: 2, signal: null },
      },
      stderrTail: "panic\n",
    });
    expect(died).toEqual({
      status: "failed",
      reason: "exited",
      error: "kiro-cli exited with code 2 during the turn: panic",
    });
    expect(
      decideAcpVerdict({ ...acpBase, end: { driver: "acp", spawnError: "ENOENT: no such file" } }),
    ).toEqual({
      status: "failed",
      reason: "spawn_failed",
      error: "kiro-cli could not be started (ENOENT: no such file)",
    });
  });
});
