/**
 * The contract between a run and the driver that runs its turn (headless: one kiro-cli per
 * message; acp: a warm `kiro-cli acp` per session). The run owns events, limits and the outcome;
 * the driver owns processes and speaks to kiro-cli, and reports through a TurnSink.
 */

import type { CommandResponse, RunnerDriver, UpdateKind } from "../protocol/index.ts";
import type { DriverExit } from "./headless.ts";
import type { StopReason } from "./verdict.ts";

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
  /** Absolute path of kiro-cli. */
  cliPath: string;
  /** The environment kiro-cli gets. */
  env: NodeJS.ProcessEnv;
}

/** How a driver tells its run what happens. Text is raw (decoded); the run cleans and redacts it. */
export interface TurnSink {
  output(text: string): void;
  stderr(text: string): void;
  update(kind: UpdateKind, text: string, data?: unknown): void;
  /** Kiro's latest `_kiro.dev/metadata` for the turn. */
  metadata(value: Record<string, unknown>): void;
  /** kiro-cli has the prompt (headless: the process spawned; acp: session/prompt sent). */
  accepted(): void;
  /** Called once, last. */
  end(result: TurnEnd): void;
}

/** How an ACP turn ended, as the driver saw it. */
export interface AcpTurnEnd {
  driver: "acp";
  /** session/prompt's stopReason, when the response arrived. */
  stopReason?: string | undefined;
  /** A JSON-RPC error or a failure to start, in words (secrets already redacted). */
  error?: string | undefined;
  /** kiro-cli's process ended during the turn. */
  exit?: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** kiro-cli could not be started at all. */
  spawnError?: string | undefined;
}

export type TurnEnd = { driver: "headless"; exit: DriverExit } | AcpTurnEnd;

/** A started turn. `stop` ends it as soon as it can; the sink's end() still follows. */
export interface TurnHandle {
  stop(reason: StopReason): void;
}

/** A slash command for a session, with its working directory already checked. */
export interface SessionCommand {
  command: string;
  cwd: string;
  agent?: string | undefined;
  cliPath: string;
  env: NodeJS.ProcessEnv;
}

export interface TurnDriver {
  readonly name: RunnerDriver;
  /** Whether command() can run slash commands (else it answers `unsupported`). */
  readonly commands: boolean;
  /** Throws a RunnerError when the turn cannot start now (its session already runs one). */
  assertCanStart(request: TurnRequest): void;
  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle;
  command(sessionKey: string, command: SessionCommand): Promise<CommandResponse>;
  /** The session's next turn starts a new conversation. */
  reset(sessionKey: string): Promise<void>;
  /** The session ended: stop its kiro-cli and forget it. */
  endSession(sessionKey: string): Promise<void>;
  /** kiro-cli processes kept warm between turns, now. */
  warmProcesses(): number;
  /** Stops every warm process (after the runs have ended). */
  shutdown(): Promise<void>;
}
