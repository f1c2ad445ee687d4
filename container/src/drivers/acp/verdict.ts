/**
 * What an ACP turn's end means. A turn ends with the session/prompt response's stopReason:
 * end_turn completes the run, unless nothing at all happened (no answer text, thought, tool
 * call, plan or permission request): like a headless exit 0 without output, that is a failure.
 * max_tokens and max_turn_requests complete with a notice (the partial answer is still the
 * answer); refusal fails; cancelled without the runner asking is reported as cancelled; unknown
 * reasons complete with a notice. A turn the driver gave up on fails with its own reason
 * (idle_timeout, tool_interrupted). A turn that got no answer fails with the driver's words.
 */
import type { RunFacts, TurnEnd, Verdict } from "../driver.ts";
import { failed, spawnFailed, stderrSuffix, stoppedVerdict } from "../verdict.ts";
import type { AcpTurnEnd } from "./types.ts";
import { TOOL_USES_INTERRUPTED } from "./updates.ts";

export interface AcpVerdictInput extends Omit<RunFacts, "hasOutput"> {
  end: AcpTurnEnd;
}

export function decideAcpVerdict(input: AcpVerdictInput): Verdict {
  const stopped = stoppedVerdict(input);
  if (stopped !== undefined) return stopped;
  const { end } = input;
  if (end.spawnError !== undefined) return spawnFailed(end.spawnError);
  if (end.abandoned !== undefined) {
    return { status: "failed", reason: end.abandoned, error: end.error ?? "kiro-cli stopped answering" };
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
  return answeredVerdict(end.stopReason);
}

/** The turn's end as its run takes it: kiro-cli's exit (when its process ended) and this verdict. */
export function acpTurnEnd(end: AcpTurnEnd): TurnEnd {
  return {
    exit: end.exit ?? { code: null, signal: null },
    verdict: (facts) => decideAcpVerdict({ ...facts, end }),
  };
}

/** kiro-cli answered the prompt with `stopReason` after doing something. */
function answeredVerdict(stopReason: string): Verdict {
  switch (stopReason) {
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
        notice: `kiro-cli stopped the turn early (stopReason ${stopReason}): the answer may be cut short`,
      };
    default:
      return {
        status: "completed",
        reason: "exited",
        notice: `kiro-cli ended the turn with stopReason ${stopReason}`,
      };
  }
}

/** What happened to a turn the driver gave up on without an answer, in words a user can act on. */
export function abandonedError(reason: NonNullable<AcpTurnEnd["abandoned"]>, idleTimeoutMs: number): string {
  if (reason === "idle_timeout") {
    return `kiro-cli sent nothing at all for ${idleTimeoutMs} ms (KIRO_TURN_IDLE_TIMEOUT_MS), so the turn was cancelled; the output so far is kept. Send the message again to retry.`;
  }
  return `Kiro interrupted its own tool use and stopped working on this turn ("${TOOL_USES_INTERRUPTED}"; usually its security filter refusing a command). The output so far is kept; send a new message to go on, rephrased if Kiro refused a command.`;
}

/** `error`, prefixed with the rate limit Kiro reported during the turn, if it did. */
export function withRateLimit(error: string, rateLimit: string | undefined): string {
  if (rateLimit === undefined) return error;
  return `Kiro is rate-limited (${rateLimit}); send the message again once the limit has passed. ${error}`;
}
