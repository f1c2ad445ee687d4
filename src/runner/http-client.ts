import {
  RUNNER_SECRET_HEADER,
  type RunnerErrorBody,
  type RunnerErrorCode,
} from "../../container/src/protocol/index.ts";
import { messageOf } from "../errors.ts";
import {
  type AgentInfo,
  type CloneRequest,
  type CloneResponse,
  type CommandRequest,
  type CommandResponse,
  type RunEvent,
  type RunnerClient,
  type RunnerHealth,
  RunnerRequestError,
  type RunSummary,
  type StartRunRequest,
  type StartRunResponse,
  type WriteFileResponse,
} from "./client.ts";
import { readNdjson } from "./ndjson.ts";

/** Anything fetch-shaped: global fetch for a host runner, a container stub's fetch in production. */
export type RunnerFetch = (request: Request) => Promise<Response>;

/** Talks the runner protocol (container/src/protocol/) over HTTP. */
export class HttpRunnerClient implements RunnerClient {
  readonly #fetch: RunnerFetch;
  readonly #baseUrl: string;
  readonly #secret: string;

  constructor(fetcher: RunnerFetch, baseUrl: string, secret: string) {
    this.#fetch = fetcher;
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#secret = secret;
  }

  health(): Promise<RunnerHealth> {
    return this.#json<RunnerHealth>("GET", "/health");
  }

  async resolveWorkspace(path: string): Promise<string> {
    const body = await this.#json<{ path: string }>("POST", "/workspace/resolve", { path });
    return body.path;
  }

  startRun(request: StartRunRequest): Promise<StartRunResponse> {
    return this.#json<StartRunResponse>("POST", "/runs", request);
  }

  run(runId: string): Promise<RunSummary> {
    return this.#json<RunSummary>("GET", `/runs/${encodeURIComponent(runId)}`);
  }

  cancelRun(runId: string): Promise<RunSummary> {
    return this.#json<RunSummary>("POST", `/runs/${encodeURIComponent(runId)}/cancel`);
  }

  command(sessionKey: string, request: CommandRequest): Promise<CommandResponse> {
    return this.#json<CommandResponse>("POST", `${sessionPath(sessionKey)}/command`, request);
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

  clone(request: CloneRequest): Promise<CloneResponse> {
    return this.#json<CloneResponse>("POST", "/workspace/clone", request);
  }

  async *events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<RunEvent[]> {
    const path = `/runs/${encodeURIComponent(runId)}/events?after=${afterSeq}`;
    const response = await this.#send("GET", path, undefined, signal);
    if (!response.body) return;
    try {
      for await (const batch of readNdjson(response.body)) {
        yield batch as RunEvent[];
      }
    } catch (error) {
      // A broken stream is expected (network, container restart): the caller resumes by seq.
      if (signal?.aborted) return;
      if (error instanceof SyntaxError) throw new RunnerRequestError("internal", error.message, 502);
    }
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#send(method, path, body);
    return (await response.json()) as T;
  }

  async #send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers = new Headers({ [RUNNER_SECRET_HEADER]: this.#secret });
    if (body !== undefined) headers.set("content-type", "application/json");
    const request = new Request(`${this.#baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (error) {
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

function sessionPath(sessionKey: string): string {
  return `/sessions/${encodeURIComponent(sessionKey)}`;
}
