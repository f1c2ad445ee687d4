/**
 * How a run ended, in words a user can act on. kiro-cli's exit status alone is not enough: exit 0
 * with nothing on stdout is a failure (an invalid API key does exactly that), and a run the
 * runner stopped reports why it was stopped rather than the signal that did it.
 *
 * Under ACP a turn ends with the session/prompt response's stopReason. end_turn completes the
 * run, unless nothing at all happened (no answer text, thought, tool call, plan or permission
 * request): like exit 0 without output, that is a failure. max_tokens and max_turn_requests
 * complete with a notice (the partial answer is still the answer); refusal fails; cancelled
 * without the runner asking is reported as cancelled; unknown reasons complete with a notice.
 */

import { type ExitEvent, type ExitReason, tailUtf8 } from "../protocol/index.ts";
import type { AcpTurnEnd } from "./driver.ts";
import type { DriverExit } from "./headless.ts";

/** Why the runner itself stopped a run. */
export type StopReason = Extract<ExitReason, "cancelled" | "timeout" | "output_limit" | "shutdown">;

export interface OutcomeInput {
  exit: DriverExit;
  stopReason: StopReason | undefined;
  /** Whether cleaned stdout held anything but whitespace. */
  hasOutput: boolean;
  stderrTail: string;
  runTimeoutMs: number;
  maxRunOutputBytes: number;
}

export type Outcome = Pick<ExitEvent, "status" | "reason" | "error">;

export interface AcpOutcomeInput extends Omit<OutcomeInput, "exit" | "hasOutput"> {
  end: AcpTurnEnd;
  /** Whether the turn produced answer text or any sign of work (thought, tool call, plan …). */
  activity: boolean;
}

/** Longest stderr excerpt quoted inside an error message. */
const ERROR_STDERR_BYTES = 500;

export function decideOutcome(input: OutcomeInput): Outcome {
  if (input.stopReason !== undefined) return stoppedOutcome(input);
  const { code, signal, spawnError } = input.exit;
  if (spawnError !== undefined) {
    return {
      status: "failed",
      reason: "spawn_failed",
      error: `kiro-cli could not be started (${spawnError})`,
    };
  }
  if (signal !== null) {
    return failed(`kiro-cli was killed by signal ${signal}${stderrSuffix(input.stderrTail)}`);
  }
  if (code === 0) {
    if (input.hasOutput) return { status: "completed", reason: "exited" };
    return failed(
      `kiro-cli exited 0 without output (check that KIRO_API_KEY is valid)${stderrSuffix(input.stderrTail)}`,
    );
  }
  return failed(`kiro-cli exited with code ${code}${meaningOf(code)}${stderrSuffix(input.stderrTail)}`);
}

export function decideAcpOutcome(input: AcpOutcomeInput): Outcome & { notice?: string } {
  if (input.stopReason !== undefined) return stoppedOutcome(input);
  const { end } = input;
  if (end.spawnError !== undefined) {
    return {
      status: "failed",
      reason: "spawn_failed",
      error: `kiro-cli could not be started (${end.spawnError})`,
    };
  }
  if (end.error !== undefined || end.stopReason === undefined) {
    return failed(
      `${end.error ?? "kiro-cli ended the turn without answering"}${stderrSuffix(input.stderrTail)}`,
    );
  }
  if (!input.activity && end.stopReason !== "cancelled") {
    return failed(
      `kiro-cli ended the turn (${end.stopReason}) without any output (check that KIRO_API_KEY is valid)${stderrSuffix(input.stderrTail)}`,
    );
  }
  switch (end.stopReason) {
    case "end_turn":
      return { status: "completed", reason: "exited" };
    case "cancelled":
      return { status: "cancelled", reason: "exited", error: "kiro-cli cancelled the turn on its own" };
    case "refusal":
      return failed("kiro-cli refused to continue this turn (stopReason refusal)");
    case "max_tokens":
    case "max_turn_requests":
      return {
        status: "completed",
        reason: "exited",
        notice: `kiro-cli stopped the turn early (stopReason ${end.stopReason}): the answer may be cut short`,
      };
    default:
      return {
        status: "completed",
        reason: "exited",
        notice: `kiro-cli ended the turn with stopReason ${end.stopReason}`,
      };
  }
}

/** "kiro-cli exited with code 4 (the requested agent was not found)" or "… was killed by signal X". */
export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (exit.signal !== null) return `kiro-cli was killed by signal ${exit.signal}`;
  return `kiro-cli exited with code ${exit.code}${meaningOf(exit.code)}`;
}

function stoppedOutcome(
  input: Pick<OutcomeInput, "stopReason" | "runTimeoutMs" | "maxRunOutputBytes">,
): Outcome {
  switch (input.stopReason) {
    case "cancelled":
      return { status: "cancelled", reason: "cancelled", error: "the run was cancelled" };
    case "timeout":
      return {
        status: "failed",
        reason: "timeout",
        error: `kiro-cli did not finish within ${input.runTimeoutMs} ms (KIRO_RUN_TIMEOUT_MS) and was stopped`,
      };
    case "output_limit":
      return {
        status: "failed",
        reason: "output_limit",
        error: `kiro-cli wrote more than ${input.maxRunOutputBytes} bytes (KIRO_MAX_RUN_OUTPUT_BYTES) and was stopped`,
      };
    default:
      return {
        status: "failed",
        reason: "shutdown",
        error: "the runner shut down (SIGTERM) while kiro-cli was working; start the turn again",
      };
  }
}

function meaningOf(code: number | null): string {
  if (code === 3) return " (an MCP server failed to start)";
  if (code === 4) return " (the requested agent was not found)";
  return "";
}

function stderrSuffix(tail: string): string {
  const trimmed = tail.trim();
  if (trimmed === "") return "";
  const excerpt = tailUtf8(trimmed, ERROR_STDERR_BYTES);
  return `: ${excerpt === trimmed ? "" : "…"}${excerpt}`;
}

function failed(error: string): Outcome {
  return { status: "failed", reason: "exited", error };
}
