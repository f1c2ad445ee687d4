/**
 * The runner's HTTP edge (node:http): checks the shared secret, routes, parses, delegates to the
 * run manager, and maps every RunnerError to its protocol status. Unexpected errors become
 * `internal` without details; they are logged with the route, never with request bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RunnerConfig } from "./config.ts";
import { RunnerError } from "./errors.ts";
import { type OpenStreams, streamEvents } from "./event-stream.ts";
import { readJson, requireSecret, sendError, sendJson } from "./http-io.ts";
import type { Logger } from "./logger.ts";
import type { ResolveWorkspaceResponse, RunnerHealth } from "./protocol.ts";
import { parseAfter, parseResolveWorkspace, parseStartRun } from "./requests.ts";
import type { RunManager } from "./run-manager.ts";
import type { Workspace } from "./workspace.ts";

export interface ServerDeps {
  config: RunnerConfig;
  manager: RunManager;
  workspace: Workspace;
  logger: Logger;
  bootId: string;
  version: string;
  startedAt: number;
  streams: OpenStreams;
}

const RUN_ROUTE = /^\/runs\/([^/]+)(\/events|\/cancel)?$/;

export function createRunnerServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => fail(deps, req, res, error));
  });
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireSecret(req, deps.config.secret);
  const url = new URL(req.url ?? "/", "http://runner");
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  if (route === "GET /health") return sendJson(res, 200, health(deps));
  if (route === "POST /workspace/resolve") {
    const { path } = parseResolveWorkspace(await readJson(req, deps.config.maxBodyBytes));
    const body: ResolveWorkspaceResponse = { path: await deps.workspace.resolve(path) };
    return sendJson(res, 200, body);
  }
  if (route === "POST /runs") {
    const request = parseStartRun(await readJson(req, deps.config.maxBodyBytes));
    return sendJson(res, 201, await deps.manager.start(request));
  }
  const match = RUN_ROUTE.exec(url.pathname);
  const runId = match?.[1] === undefined ? undefined : decodeSegment(match[1]);
  if (runId !== undefined) {
    const action = `${req.method} ${match?.[2] ?? ""}`;
    if (action === "GET ") return sendJson(res, 200, deps.manager.summary(runId));
    if (action === "GET /events") {
      const after = parseAfter(url.searchParams.get("after"));
      return streamEvents(res, deps.manager.events(runId), after, deps.streams);
    }
    if (action === "POST /cancel") return sendJson(res, 200, await deps.manager.cancel(runId));
  }
  throw new RunnerError("not_found", `no route for ${req.method} ${url.pathname}`);
}

function health(deps: ServerDeps): RunnerHealth {
  const stats = deps.manager.stats();
  return {
    ok: true,
    boot_id: deps.bootId,
    version: deps.version,
    driver: "headless",
    uptime_ms: Date.now() - deps.startedAt,
    runs_active: stats.active,
    runs_total: stats.total,
    kiro_cli: deps.manager.kiroCli(),
    workspace_root: deps.workspace.root,
  };
}

function fail(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const known = error instanceof RunnerError;
  if (!known) {
    const detail = error instanceof Error ? error.message : String(error);
    deps.logger.error("request_failed", { method: req.method, path: pathOf(req), detail });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(res, known ? error : new RunnerError("internal", "internal runner error"));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Malformed percent-encoding cannot name any run.
    throw new RunnerError("bad_request", "the run id in the path is not valid percent-encoding");
  }
}

/** The path without the query string, for logs. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "").split("?")[0] ?? "";
}
