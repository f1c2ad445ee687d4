/**
 * The narrow interface the session Durable Object uses to drive a runner. One HTTP
 * implementation serves both the per-session container and a host runner; tests may swap in
 * another implementation without touching the platform.
 */
import type {
  RunEvent,
  RunnerErrorCode,
  RunnerHealth,
  RunSummary,
  StartRunRequest,
  StartRunResponse,
} from "../../container/src/protocol.ts";

export type { RunEvent, RunnerHealth, RunSummary, StartRunRequest, StartRunResponse };

export interface RunnerClient {
  health(): Promise<RunnerHealth>;
  /** Resolves a working directory inside the runner's workspace root to an absolute path. */
  resolveWorkspace(path: string): Promise<string>;
  startRun(request: StartRunRequest): Promise<StartRunResponse>;
  /**
   * Events with seq > afterSeq: first those already recorded, then live ones, in batches as they
   * arrive. Ends after the run's `exit` event; ends early (without throwing) if the stream breaks.
   */
  events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<RunEvent[]>;
  cancelRun(runId: string): Promise<RunSummary>;
}

/** `unreachable`: no answer at all (connection refused, container not started, proxy error). */
export type RunnerFailure = RunnerErrorCode | "unreachable";

export class RunnerError extends Error {
  readonly code: RunnerFailure;
  readonly status: number;
  constructor(code: RunnerFailure, message: string, status: number) {
    super(message);
    this.name = "RunnerError";
    this.code = code;
    this.status = status;
  }
}
