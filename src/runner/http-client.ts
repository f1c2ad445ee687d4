import {
  EVENT_STREAM_HEARTBEAT_MS,
  type EventStreamLine,
  RUNNER_SECRET_HEADER,
  RUNNER_USER_HEADER,
  type RunnerErrorBody,
  type RunnerErrorCode,
} from "../../container/src/protocol/index.ts";
import { messageOf } from "../errors.ts";
import {
  type AgentInfo,
  type CloneRequest,
  type CommandRequest,
  type CommandResponse,
  type DiffRequest,
  type DiffResponse,
  type PushRequest,
  type PushResponse,
  type ReadFileResponse,
  type RunEvent,
  type RunnerClient,
  type RunnerHealth,
  RunnerRequestError,
  type RunSummary,
  type StartRunRequest,
  type StartRunResponse,
  type WriteFileResponse,
} from "./client.ts";
import { Deadline } from "./deadline.ts";
import { readNdjson } from "./ndjson.ts";

/**
 * Anything fetch-shaped: global fetch for a host runner, a container stub's fetch in production.
 * It may throw a RunnerRequestError of its own (container.ts does when no container is free).
 */
export type RunnerFetch = (request: Request) => Promise<Response>;

/**
 * How long each kind of call may go unanswered before the runner counts as unreachable: no call
 * to a runner waits forever (a frozen runner accepts connections and never answers).
 */
export interface RunnerDeadlines {
  /** Lookups, workspace and session operations, a cancel (answered once the run has ended). */
  callMs: number;
  /** One attempt at starting a run. */
  startMs: number;
  /** A slash command: the runner's own limit (KIRO_COMMAND_TIMEOUT_MS, 60 s) and a margin. */
  commandMs: number;
  /** A diff or a push: the runner's own limit on git (KIRO_CLONE_TIMEOUT_MS, 5 min) and a margin. */
  gitMs: number;
  /** An event stream with no line at all (the runner sends heartbeats) for this long. */
  silenceMs: number;
}

/** A host runner answers at once: 10 s is ample. */
export const HOST_RUNNER_DEADLINES: RunnerDeadlines = {
  callMs: 10_000,
  startMs: 10_000,
  commandMs: 75_000,
  gitMs: 330_000,
  silenceMs: 4 * EVENT_STREAM_HEARTBEAT_MS,
};

/** A container may be starting first (KiroContainer allows it 20 s to answer: container-start.ts). */
export const CONTAINER_RUNNER_DEADLINES: RunnerDeadlines = {
  ...HOST_RUNNER_DEADLINES,
  callMs: 35_000,
  startMs: 35_000,
};

/** Talks the runner protocol (container/src/protocol/) over HTTP, every call under a deadline. */
export class HttpRunnerClient implements RunnerClient {
  readonly #fetch: RunnerFetch;
  readonly #baseUrl: string;
  readonly #secret: string | Promise<string>;
  readonly #deadlines: RunnerDeadlines;
  /** RUNNER_USER_HEADER: the user every request is scoped to on a shared runner. */
  readonly #user: string | undefined;

  /** `secret`: the runner's credential (or a promise of it: a container's is derived on demand). */
  constructor(
    fetcher: RunnerFetch,
    baseUrl: string,
    secret: string | Promise<string>,
    deadlines: RunnerDeadlines = HOST_RUNNER_DEADLINES,
    user?: string,
  ) {
    this.#user = user;
    this.#fetch = fetcher;
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#secret = secret;
    this.#deadlines = deadlines;
  }

  health(): Promise<RunnerHealth> {
    return this.#json<RunnerHealth>("GET", "/health");
  }

  async resolveWorkspace(path: string): Promise<string> {
    const body = await this.#json<{ path: string }>("POST", "/workspace/resolve", { path });
    return body.path;
  }

  startRun(request: StartRunRequest): Promise<StartRunResponse> {
    return this.#json<StartRunResponse>("POST", "/runs", request, this.#deadlines.startMs);
  }

  run(runId: string): Promise<RunSummary> {
    return this.#json<RunSummary>("GET", `/runs/${encodeURIComponent(runId)}`);
  }

  cancelRun(runId: string): Promise<RunSummary> {
    return this.#json<RunSummary>("POST", `/runs/${encodeURIComponent(runId)}/cancel`);
  }

  async answerPermission(runId: string, key: string, optionId: string | null): Promise<void> {
    const path = `/runs/${encodeURIComponent(runId)}/permissions/${encodeURIComponent(key)}`;
    await this.#json<Record<string, never>>("POST", path, { option_id: optionId });
  }

  command(sessionKey: string, request: CommandRequest): Promise<CommandResponse> {
    const path = `${sessionPath(sessionKey)}/command`;
    return this.#json<CommandResponse>("POST", path, request, this.#deadlines.commandMs);
  }

  async resetSession(sessionKey: string): Promise<void> {
    await this.#json("POST", `${sessionPath(sessionKey)}/reset`);
  }

  async endSession(sessionKey: string): Promise<void> {
    await this.#json("DELETE", sessionPath(sessionKey));
  }

  async agents(cwd: string): Promise<AgentInfo[]> {
    const body = await this.#json<{ agents: AgentInfo[] }>("GET", `/agents?cwd=${encodeURIComponent(cwd)}`);
    return body.agents;
  }

  writeFile(path: string, content: string): Promise<WriteFileResponse> {
    return this.#json<WriteFileResponse>("POST", "/workspace/files", { path, content });
  }

  startClone(request: CloneRequest): Promise<StartRunResponse> {
    return this.#json<StartRunResponse>("POST", "/workspace/clone", request, this.#deadlines.startMs);
  }

  diff(request: DiffRequest): Promise<DiffResponse> {
    return this.#json<DiffResponse>("POST", "/workspace/diff", request, this.#deadlines.gitMs);
  }

  readFile(cwd: string, path: string): Promise<ReadFileResponse> {
    const query = `cwd=${encodeURIComponent(cwd)}&path=${encodeURIComponent(path)}`;
    return this.#json<ReadFileResponse>("GET", `/workspace/file?${query}`);
  }

  push(request: PushRequest): Promise<PushResponse> {
    return this.#json<PushResponse>("POST", "/workspace/push", request, this.#deadlines.gitMs);
  }

  /**
   * The run's events, batch by batch. The answer must start within the call deadline, and the
   * stream must carry a line (an event or the runner's heartbeat) at least every `silenceMs`:
   * otherwise it is given up as unreachable, so a frozen runner is noticed like a dead one.
   */
  async *events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<RunEvent[]> {
    const path = `/runs/${encodeURIComponent(runId)}/events?after=${afterSeq}`;
    const { callMs, silenceMs } = this.#deadlines;
    const deadline = new Deadline(signal);
    const silent = () => deadline.arm(silenceMs, `the runner's event stream was silent for ${silenceMs} ms`);
    try {
      deadline.arm(callMs, `runner did not answer GET ${path} within ${callMs} ms`);
      const response = await deadline.race(this.#send("GET", path, undefined, deadline.signal));
      if (!response.body) return;
      silent();
      const batches = readNdjson(response.body, { signal: deadline.signal, onRead: silent });
      for await (const lines of batches) {
        const events = (lines as EventStreamLine[]).filter(
          (line): line is RunEvent => line.type !== "heartbeat",
        );
        // The body ends right after the exit event: read that end before handing the exit on,
        // so the body completes instead of being cancelled under a container's proxy.
        if (events.some((event) => event.type === "exit")) await settled(batches.next(), BODY_END_WAIT_MS);
        if (events.length > 0) yield events;
      }
    } catch (error) {
      // A broken stream is expected (network, container restart): the caller resumes by seq.
      if (signal?.aborted) return;
      if (deadline.expired) throw deadline.expired;
      if (error instanceof RunnerRequestError) throw error;
      if (error instanceof SyntaxError) throw new RunnerRequestError("internal", error.message, 502);
      return;
    } finally {
      deadline.clear();
    }
    if (deadline.expired && !signal?.aborted) throw deadline.expired;
  }

  async #json<T>(method: string, path: string, body?: unknown, ms = this.#deadlines.callMs): Promise<T> {
    const deadline = new Deadline();
    deadline.arm(ms, `runner did not answer ${method} ${path} within ${ms} ms`);
    try {
      return await deadline.race(
        this.#send(method, path, body, deadline.signal).then((response) => response.json() as Promise<T>),
      );
    } finally {
      deadline.clear();
    }
  }

  async #send(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const headers = new Headers({ [RUNNER_SECRET_HEADER]: await this.#secret });
    if (this.#user !== undefined) headers.set(RUNNER_USER_HEADER, this.#user);
    if (body !== undefined) headers.set("content-type", "application/json");
    const request = new Request(`${this.#baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal,
    });
    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (error) {
      if (error instanceof RunnerRequestError) throw error;
      throw new RunnerRequestError("unreachable", `runner unreachable: ${messageOf(error)}`, 0);
    }
    if (response.ok) return response;
    throw await toRunnerError(response);
  }
}

/** A runner error body keeps its code; anything else (a proxy's 5xx) counts as unreachable. */
async function toRunnerError(response: Response): Promise<RunnerRequestError> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as Partial<RunnerErrorBody>;
    if (parsed.error && typeof parsed.error.code === "string") {
      return new RunnerRequestError(
        parsed.error.code as RunnerErrorCode,
        parsed.error.message,
        response.status,
      );
    }
  } catch {
    // Not a runner answer: fall through.
  }
  return new RunnerRequestError(
    "unreachable",
    `runner answered ${response.status}: ${text.slice(0, 200)}`,
    response.status,
  );
}

/** After the exit event, longest wait for the body to end before it is cancelled. */
const BODY_END_WAIT_MS = 1_000;

/** Waits for `promise` (its outcome is not needed) for at most `ms`. */
async function settled(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), waited]);
  if (timer !== undefined) clearTimeout(timer);
}

function sessionPath(sessionKey: string): string {
  return `/sessions/${encodeURIComponent(sessionKey)}`;
}
