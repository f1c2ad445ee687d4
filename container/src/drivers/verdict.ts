/**
 * The words every driver's verdict is made of, so a user reads the same sentence whichever
 * driver ran the turn: why the runner stopped a run (that reason wins over whatever signal or
 * answer ended it), a kiro-cli that could not start, an exit status and what its code means, and
 * the end of stderr quoted in an error. Each driver decides its own verdict with these
 * (headless.ts, acp/verdict.ts).
 */
import { tailUtf8 } from "../protocol/index.ts";
import type { ProcessExit, RunFacts, TurnEnd, Verdict } from "./driver.ts";

/** Longest stderr excerpt quoted inside an error message. */
const ERROR_STDERR_BYTES = 500;

/** The verdict on a run the runner stopped, or undefined when it did not stop it. */
export function stoppedVerdict(
  facts: Pick<RunFacts, "stopReason" | "runTimeoutMs" | "maxRunOutputBytes">,
): Verdict | undefined {
  switch (facts.stopReason) {
    case undefined:
      return undefined;
    case "cancelled":
      return { status: "cancelled", reason: "cancelled", error: "the run was cancelled" };
    case "timeout":
      return {
        status: "failed",
        reason: "timeout",
        error: `kiro-cli did not finish within ${facts.runTimeoutMs} ms (KIRO_RUN_TIMEOUT_MS) and was stopped`,
      };
    case "output_limit":
      return {
        status: "failed",
        reason: "output_limit",
        error: `kiro-cli wrote more than ${facts.maxRunOutputBytes} bytes (KIRO_MAX_RUN_OUTPUT_BYTES) and was stopped`,
      };
    default:
      return {
        status: "failed",
        reason: "shutdown",
        error:
          "The Kiro runner was stopped (SIGTERM: a deploy or a restart) before this turn could finish; the output so far is kept. Send the message again to continue in this session.",
      };
  }
}

/** kiro-cli could not be started at all; `detail` says why (an errno and message). */
export function spawnFailed(detail: string): Verdict {
  return { status: "failed", reason: "spawn_failed", error: `kiro-cli could not be started (${detail})` };
}

/** kiro-cli ended the turn on its own, and that is a failure. */
export function failed(error: string): Verdict {
  return { status: "failed", reason: "exited", error };
}

/**
 * The end of a turn whose driver threw while starting it: nothing ran, so the run fails as
 * spawn_failed (unless it was stopped already).
 */
export function unstartedTurn(detail: string): TurnEnd {
  return {
    exit: { code: null, signal: null },
    verdict: (facts) => stoppedVerdict(facts) ?? spawnFailed(detail),
  };
}

/** "kiro-cli exited with code 4 (the requested agent was not found)" or "… was killed by signal X". */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal !== null) return `kiro-cli was killed by signal ${exit.signal}`;
  return `kiro-cli exited with code ${exit.code}${meaningOf(exit.code)}`;
}

/** What kiro-cli's documented exit codes mean, as " (…)", or "". */
export function meaningOf(code: number | null): string {
  if (code === 3) return " (an MCP server failed to start)";
  if (code === 4) return " (the requested agent was not found)";
  return "";
}

/** ": <the end of stderr>" for an error message, or "" when stderr held nothing. */
export function stderrSuffix(tail: string): string {
  const trimmed = tail.trim();
  if (trimmed === "") return "";
  const excerpt = tailUtf8(trimmed, ERROR_STDERR_BYTES);
  return `: ${excerpt === trimmed ? "" : "…"}${excerpt}`;
}
