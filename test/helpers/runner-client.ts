/**
 * A small client for the runner's HTTP protocol, for tests: JSON requests with the secret, run
 * starts with unique ids, and NDJSON event reading (all at once, or live with early disconnect).
 * Node builtins and global fetch only.
 */
import { randomUUID } from "node:crypto";
import type {
  EventStreamLine,
  RunEvent,
  RunnerHealth,
  StartRunRequest,
  UpdateEvent,
  UpdateKind,
} from "../../container/src/protocol/index.ts";

export interface RunnerTarget {
  url: string;
  headers: Record<string, string>;
}

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
}

/** Sends a JSON request (with the runner's secret unless `headers` replaces it). */
export async function request<T = unknown>(
  runner: RunnerTarget,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = runner.headers,
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { ...headers, "content-type": "application/json" };
  }
  const response = await fetch(`${runner.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
}

/** Starts a run (cwd "" = workspace root, fresh run id); throws unless the runner answers 201. */
export async function startRun(
  runner: RunnerTarget,
  fields: Partial<StartRunRequest> & { message: string },
): Promise<string> {
  const runId = fields.run_id ?? randomUUID();
  const response = await request(runner, "POST", "/runs", { cwd: "", ...fields, run_id: runId });
  if (response.status !== 201)
    throw new Error(`POST /runs → ${response.status} ${JSON.stringify(response.body)}`);
  return runId;
}

/** Reads events live; breaking out of the loop disconnects. Throws on a non-200 answer. */
export async function* readEvents(runner: RunnerTarget, runId: string, after = 0): AsyncGenerator<RunEvent> {
  const controller = new AbortController();
  const response = await fetch(`${runner.url}/runs/${encodeURIComponent(runId)}/events?after=${after}`, {
    headers: runner.headers,
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`GET events → ${response.status} ${await response.text()}`);
  }
  try {
    for await (const line of ndjsonLines(response.body)) {
      const parsed = JSON.parse(line) as EventStreamLine;
      if (parsed.type !== "heartbeat") yield parsed;
    }
  } finally {
    controller.abort();
  }
}

/** Every event after `after` until the exit event. */
export async function collectEvents(runner: RunnerTarget, runId: string, after = 0): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of readEvents(runner, runId, after)) events.push(event);
  return events;
}

/** Runs `message` to the end and returns its events. */
export async function runToEnd(
  runner: RunnerTarget,
  fields: Partial<StartRunRequest> & { message: string },
): Promise<RunEvent[]> {
  return collectEvents(runner, await startRun(runner, fields));
}

/** Concatenated text of the events of one type. */
export function textOf(events: RunEvent[], type: "output" | "stderr" = "output"): string {
  return events.map((event) => (event.type === type ? event.text : "")).join("");
}

/** The update events of a run, of one kind or all. */
export function updatesOf(events: RunEvent[], kind?: UpdateKind): UpdateEvent[] {
  return events.filter(
    (event): event is UpdateEvent => event.type === "update" && (kind === undefined || event.kind === kind),
  );
}

/** The number the ACP stub's @pid directive printed ("pid=123"). */
export function pidIn(events: RunEvent[]): number {
  const match = /pid=(\d+)/.exec(textOf(events));
  if (match?.[1] === undefined) throw new Error(`no pid= line in ${JSON.stringify(textOf(events))}`);
  return Number(match[1]);
}

/** GET /health. */
export async function health(runner: RunnerTarget): Promise<RunnerHealth> {
  return (await request<RunnerHealth>(runner, "GET", "/health")).body;
}

/** The exit event, which must be the last one. */
export function exitOf(events: RunEvent[]) {
  const last = events.at(-1);
  if (last?.type !== "exit") throw new Error(`last event is not exit: ${JSON.stringify(last)}`);
  return last;
}

/** Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield line;
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.decode();
  if (buffered !== "") yield buffered;
}
