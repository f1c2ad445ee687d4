/**
 * What the parts of the ACP driver hand each other: what a turn or a command wants from the
 * session's kiro-cli (SessionWant), a process with an open ACP session (Ready), why getting
 * ready failed (AcpStartFailure), how an ACP turn ended before it is judged (AcpTurnEnd), and the
 * sink an ACP turn writes to (AcpSink).
 */
import type { RunAs } from "../../process/run-as.ts";
import type { ProcessExit, TurnSink } from "../driver.ts";
import type { AcpProcess } from "./process.ts";

/** What a turn (or a command) needs from its session's kiro-cli. */
export interface SessionWant {
  cwd: string;
  agent?: string | undefined;
  model?: string | undefined;
  /** Continue the session's conversation (the warm one, else the saved one); false starts anew. */
  resume: boolean;
  /** Use the warm process whatever its agent and directory (commands). */
  anyProcess?: boolean | undefined;
  cliPath: string;
  env: NodeJS.ProcessEnv;
  /** The user kiro-cli runs as; undefined: the runner's own. */
  user?: RunAs | undefined;
}

/** A warm process with an open ACP session. */
export interface Ready {
  process: AcpProcess;
  sessionId: string;
}

/** How an ACP turn ended, as the driver saw it; acp/verdict.ts says what that means. */
export interface AcpTurnEnd {
  driver: "acp";
  /** session/prompt's stopReason, when the response arrived. */
  stopReason?: string | undefined;
  /** A JSON-RPC error or a failure to start, in words (secrets already redacted). */
  error?: string | undefined;
  /** kiro-cli's process ended during the turn. */
  exit?: ProcessExit | undefined;
  /** kiro-cli could not be started at all. */
  spawnError?: string | undefined;
  /**
   * The turn was given up without kiro-cli answering the prompt: it stayed silent past
   * KIRO_TURN_IDLE_TIMEOUT_MS, or Kiro said it interrupted its tool use and waits for the next
   * prompt. `error` says which in words.
   */
  abandoned?: "idle_timeout" | "tool_interrupted" | undefined;
}

/** Why kiro-cli could not be made ready; `end` says it the way a turn reports its end. */
export class AcpStartFailure extends Error {
  readonly end: Omit<AcpTurnEnd, "driver">;

  constructor(end: Omit<AcpTurnEnd, "driver">) {
    super(end.error ?? end.spawnError ?? "kiro-cli could not be started");
    this.name = "AcpStartFailure";
    this.end = end;
  }
}

/** The run's sink as an ACP turn uses it: the turn ends with its own record of how. */
export interface AcpSink extends Omit<TurnSink, "end"> {
  end(end: AcpTurnEnd): void;
}
