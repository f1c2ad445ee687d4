/**
 * The narrow interface the session Durable Object uses to drive a runner. One HTTP
 * implementation serves both the per-session container and a host runner; tests may swap in
 * another implementation without touching the platform.
 */
import type {
  AgentInfo,
  CloneRequest,
  CloneResponse,
  CommandRequest,
  CommandResponse,
  DiffRequest,
  DiffResponse,
  PushRequest,
  PushResponse,
  ReadFileResponse,
  RunEvent,
  RunnerErrorCode,
  RunnerHealth,
  RunSummary,
  StartRunRequest,
  StartRunResponse,
  WriteFileResponse,
} from "../../container/src/protocol/index.ts";

export type {
  AgentInfo,
  CloneRequest,
  CloneResponse,
  CommandRequest,
  CommandResponse,
  DiffRequest,
  DiffResponse,
  PushRequest,
  PushResponse,
  ReadFileResponse,
  RunEvent,
  RunnerHealth,
  RunSummary,
  StartRunRequest,
  StartRunResponse,
  WriteFileResponse,
};

export interface RunnerClient {
  health(): Promise<RunnerHealth>;
  /** Resolves a working directory inside the runner's workspace root to an absolute path. */
  resolveWorkspace(path: string): Promise<string>;
  startRun(request: StartRunRequest): Promise<StartRunResponse>;
  run(runId: string): Promise<RunSummary>;
  /**
   * Events with seq > afterSeq: first those already recorded, then live ones, in batches as they
   * arrive. Ends after the run's `exit` event; ends early (without throwing) if the stream breaks.
   */
  events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<RunEvent[]>;
  cancelRun(runId: string): Promise<RunSummary>;
  /**
   * A client's answer to a permission request the run's turn waits on (KIRO_TRUST=ask): one of
   * the option ids Kiro offered, or null to dismiss it. permission_not_pending when none waits.
   */
  answerPermission(runId: string, key: string, optionId: string | null): Promise<void>;
  /** Runs a Kiro slash command in the session's kiro-cli (ACP driver only). */
  command(sessionKey: string, request: CommandRequest): Promise<CommandResponse>;
  /** The session's next run starts a new conversation. */
  resetSession(sessionKey: string): Promise<void>;
  /** Cancels the session's runs and stops its kiro-cli. */
  endSession(sessionKey: string): Promise<void>;
  agents(cwd: string): Promise<AgentInfo[]>;
  writeFile(path: string, content: string): Promise<WriteFileResponse>;
  /**
   * Shallow-clones a git repository into a new directory of the workspace, as a run
   * (`request.run_id`) followed like a turn: answered at once, its exit event holds the clone.
   */
  startClone(request: CloneRequest): Promise<StartRunResponse>;
  /** What changed in a session's clone since its starting commit. */
  diff(request: DiffRequest): Promise<DiffResponse>;
  /** One file of a session's working directory (`path` relative to `cwd`). */
  readFile(cwd: string, path: string): Promise<ReadFileResponse>;
  /** The changes of a session's clone, pushed to a new branch. */
  push(request: PushRequest): Promise<PushResponse>;
}

/**
 * `unreachable`: no answer at all (connection refused, container not started, proxy error);
 * `no_container`: Cloudflare has no container for the session right now (the account's container
 * limits reached, or too many starts at once; see container.ts).
 */
export type RunnerFailure = RunnerErrorCode | "unreachable" | "no_container";

/** A request to the runner that failed: the runner's error code and HTTP status, or `unreachable` (status 0). */
export class RunnerRequestError extends Error {
  readonly code: RunnerFailure;
  readonly status: number;
  constructor(code: RunnerFailure, message: string, status: number) {
    super(message);
    this.name = "RunnerRequestError";
    this.code = code;
    this.status = status;
  }
}
