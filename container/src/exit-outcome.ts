/**
 * How a run ended, in words a user can act on. kiro-cli's exit status alone is not enough: exit 0
 * with nothing on stdout is a failure (an invalid API key does exactly that), and a run the
 * runner stopped reports why it was stopped rather than the signal that did it.
 */
import type { DriverExit } from "./headless-driver.ts";
import type { ExitEvent, ExitReason } from "./protocol.ts";
import { tailUtf8 } from "./text-chunks.ts";

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

function stoppedOutcome(input: OutcomeInput): Outcome {
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
