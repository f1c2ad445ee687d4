/**
 * The contract between a run and the driver that runs its turn (headless: one kiro-cli per
 * message; acp: a warm `kiro-cli acp` per session), and the vocabulary both sides speak about how
 * a turn stops and ends. The run owns events, limits and the reasons it stops a turn; the driver
 * owns processes, speaks to kiro-cli, reports through a TurnSink and, at the end, decides what
 * its turn's end means (a Verdict). The run never asks which driver it has.
 *
 * A leaf module: it imports nothing but types (the protocol's, and RunAs), so every part may
 * depend on it.
 */
import type { RunAs } from "../process/run-as.ts";
import type { CommandResponse, ExitEvent, ExitReason, UpdateKind } from "../protocol/index.ts";

/** Why the runner itself stopped a run. */
export type StopReason = Extract<ExitReason, "cancelled" | "timeout" | "output_limit" | "shutdown">;

/** How a kiro-cli process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a turn's end means for its run: the exit event's status, reason and error. */
export interface Verdict extends Pick<ExitEvent, "status" | "reason" | "error"> {
  /** Written as a `notice` update just before the exit event. */
  notice?: string | undefined;
}

/** What the run saw of a turn: the facts a verdict is decided on. */
export interface RunFacts {
  /** Set when the runner stopped the turn; its reason is the verdict whatever kiro-cli did. */
  stopReason: StopReason | undefined;
  /** Cleaned stdout held anything but whitespace. */
  hasOutput: boolean;
  /** Answer text or any sign of work: a thought, tool call, plan or permission request. */
  activity: boolean;
  /** The end of the cleaned stderr. */
  stderrTail: string;
  runTimeoutMs: number;
  maxRunOutputBytes: number;
}

/** How a turn ended, as its driver reports it. */
export interface TurnEnd {
  /** kiro-cli's exit when its process ended with the turn; both null otherwise. */
  exit: ProcessExit;
  /** The driver's judgement of this end, given what the run saw. */
  verdict(facts: RunFacts): Verdict;
}

/** A checked request for one turn. */
export interface TurnRequest {
  runId: string;
  message: string;
  /** Real, checked working directory. */
  cwd: string;
  agent?: string | undefined;
  model?: string | undefined;
  resume?: boolean | undefined;
  /** The Kiro session the run belongs to (StartRunRequest.session_key). */
  sessionKey?: string | undefined;
  /** A client can answer this turn's permission requests (StartRunRequest.ask_permissions). */
  askPermissions?: boolean | undefined;
  /** Absolute path of kiro-cli. */
  cliPath: string;
  /** The environment kiro-cli gets. */
  env: NodeJS.ProcessEnv;
  /** The user kiro-cli runs as (KIRO_RUN_AS); undefined: the runner's own. */
  user?: RunAs | undefined;
}

/** How a driver tells its run what happens. Text is raw (decoded); the run cleans and redacts it. */
export interface TurnSink {
  output(text: string): void;
  stderr(text: string): void;
  update(kind: UpdateKind, text: string, data?: unknown): void;
  /** A frame of Kiro's `_kiro.dev/metadata` for the turn; later frames' fields win. */
  metadata(value: Record<string, unknown>): void;
  /** kiro-cli has the prompt (headless: the process spawned; acp: session/prompt sent). */
  accepted(): void;
  /** Called once, last. */
  end(end: TurnEnd): void;
}

/** A started turn. `stop` ends it as soon as it can; the sink's end() still follows. */
export interface TurnHandle {
  stop(reason: StopReason): void;
  /**
   * A client's answer to the permission request waiting under `key` (an offered option id, or
   * null to dismiss it). Throws a RunnerFault when no request waits there; a driver whose turns
   * never ask a client leaves it out.
   */
  answerPermission?(key: string, optionId: string | null): void;
}

/**
 * What a run starts: a driver's turn (`(sink) => driver.startTurn(request, sink)`), or other work
 * that reports the same way (a session's clone, workspace/prepare.ts).
 */
export type TurnStart = (sink: TurnSink) => TurnHandle;

/** A slash command for a session, with its working directory already checked. */
export interface SessionCommand {
  command: string;
  cwd: string;
  agent?: string | undefined;
  cliPath: string;
  env: NodeJS.ProcessEnv;
  user?: RunAs | undefined;
}

export interface TurnDriver {
  /** Throws a RunnerFault when the turn cannot start now (its session already runs one). */
  assertCanStart(request: TurnRequest): void;
  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle;
  /**
   * A slash command on the session's kiro-cli. `prepare` checks the request (kiro-cli, its
   * credentials, the working directory); a driver without slash commands refuses (`unsupported`)
   * before calling it, whatever the request.
   */
  command(sessionKey: string, prepare: () => Promise<SessionCommand>): Promise<CommandResponse>;
  /** The session's next turn starts a new conversation. */
  reset(sessionKey: string): Promise<void>;
  /** The session ended: stop its kiro-cli and forget it. */
  endSession(sessionKey: string): Promise<void>;
  /** kiro-cli processes kept warm between turns, now. */
  warmProcesses(): number;
  /** Stops every warm process (after the runs have ended). */
  shutdown(): Promise<void>;
}
