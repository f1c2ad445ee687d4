/**
 * The runner's HTTP edge (node:http): checks the shared secret, routes, parses, delegates to the
 * run manager (runs and sessions) or to the workspace helpers (agents, files, clones), and maps every
 * RunnerFault to its protocol status. Unexpected errors become `internal` without details; they
 * are logged with the route, never with request bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RunnerConfig } from "../config.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { AgentsResponse, ResolveWorkspaceResponse, RunnerHealth } from "../protocol/index.ts";
import { messageOf, RUNNER_USER_HEADER } from "../protocol/index.ts";
import type { RunManager } from "../runs/run-manager.ts";
import type { Redactor } from "../text/redact.ts";
import { listAgents } from "../workspace/agents.ts";
import type { WorkspaceCloner } from "../workspace/clone.ts";
import { gitTransport } from "../workspace/clone-url.ts";
import { writeWorkspaceFile } from "../workspace/files.ts";
import type { RequestScope, Scopes } from "../workspace/scope.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { type OpenStreams, streamEvents } from "./event-stream.ts";
import { readJson, requireSecret, sendError, sendJson } from "./io.ts";
import {
  parseAfter,
  parseClone,
  parseCommand,
  parsePermissionAnswer,
  parsePermissionKey,
  parseResolveWorkspace,
  parseSessionKey,
  parseStartRun,
  parseWriteFile,
} from "./requests.ts";
import { handleWorkspaceOut } from "./workspace-routes.ts";

export interface ServerDeps {
  config: RunnerConfig;
  manager: RunManager;
  workspace: Workspace;
  cloner: WorkspaceCloner;
  /** Each request's scope: the user RUNNER_USER_HEADER names, or the whole workspace. */
  scopes: Scopes;
  logger: Logger;
  /** Redacts the runner's secrets and the users' keys it has seen from what it sends. */
  redactor: Redactor;
  bootId: string;
  version: string;
  startedAt: number;
  streams: OpenStreams;
}

const RUN_ROUTE = /^\/runs\/([^/]+)(\/events|\/cancel|\/permissions\/[^/]+)?$/;
const SESSION_ROUTE = /^\/sessions\/([^/]+)(\/command|\/reset)?$/;

/**
 * How long an idle keep-alive connection stays open. Longer than any client's idle reuse window:
 * with Node's 5 s default, the Worker could reuse a connection at the moment the runner closed
 * it and see "Network connection lost" on a request that never arrived.
 */
const KEEP_ALIVE_MS = 120_000;

export function createRunnerServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => fail(deps, req, res, error));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5_000;
  return server;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireSecret(req, deps.config.secret);
  const url = new URL(req.url ?? "/", "http://runner");
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  if (route === "GET /health") return sendJson(res, 200, health(deps));
  const scope = await deps.scopes.of(userHeader(req));
  if (route === "POST /runs") {
    // Handed over unread: the manager counts the start as in progress from its first byte.
    const transport = gitTransport(deps.config);
    const request = readJson(req, deps.config.maxBodyBytes).then((body) => parseStartRun(body, transport));
    return sendJson(res, 201, await deps.manager.start(request, scope));
  }
  if (url.pathname.startsWith("/runs/")) return handleRun(deps, req, res, url);
  if (url.pathname.startsWith("/sessions/")) return handleSession(deps, req, res, url, scope);
  return handleWorkspace(deps, req, res, url, scope);
}

/** RUNNER_USER_HEADER, when the request has one. */
function userHeader(req: IncomingMessage): string | undefined {
  const value = req.headers[RUNNER_USER_HEADER];
  return typeof value === "string" ? value : undefined;
}

async function handleRun(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const match = RUN_ROUTE.exec(url.pathname);
  const runId = match?.[1] === undefined ? undefined : decodeSegment(match[1]);
  const action = `${req.method} ${match?.[2] ?? ""}`;
  if (runId !== undefined) {
    if (action === "GET ") return sendJson(res, 200, await deps.manager.summary(runId));
    if (action === "GET /events") {
      const after = parseAfter(url.searchParams.get("after"));
      return streamEvents(res, await deps.manager.events(runId), after, deps.streams);
    }
    if (action === "POST /cancel") return sendJson(res, 200, await deps.manager.cancel(runId));
    if (action.startsWith("POST /permissions/")) {
      const key = parsePermissionKey(action.slice("POST /permissions/".length));
      const answer = parsePermissionAnswer(await readJson(req, deps.config.maxBodyBytes));
      await deps.manager.answerPermission(runId, key, answer);
      return sendJson(res, 200, {});
    }
  }
  throw notFound(req, url);
}

async function handleSession(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  scope: RequestScope,
): Promise<void> {
  const match = SESSION_ROUTE.exec(url.pathname);
  if (match?.[1] === undefined) throw notFound(req, url);
  const action = `${req.method} ${match[2] ?? ""}`;
  const key = parseSessionKey(match[1]);
  if (action === "POST /command") {
    const request = parseCommand(await readJson(req, deps.config.maxBodyBytes));
    return sendJson(res, 200, await deps.manager.command(key, request, scope));
  }
  if (action === "POST /reset") {
    await deps.manager.reset(key);
    return sendJson(res, 200, {});
  }
  if (action === "DELETE ") {
    await deps.manager.endSession(key);
    return sendJson(res, 200, {});
  }
  throw notFound(req, url);
}

async function handleWorkspace(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  scope: RequestScope,
): Promise<void> {
  const { config } = deps;
  const { workspace } = scope;
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  if (route === "POST /workspace/resolve") {
    const { path } = parseResolveWorkspace(await readJson(req, config.maxBodyBytes));
    const body: ResolveWorkspaceResponse = { path: await workspace.resolve(path) };
    return sendJson(res, 200, body);
  }
  if (route === "POST /workspace/files") {
    const { path, content } = parseWriteFile(await readJson(req, config.maxFileBodyBytes));
    return sendJson(res, 200, await writeWorkspaceFile(workspace, path, content, config.maxFileBytes));
  }
  if (route === "POST /workspace/clone") {
    const request = parseClone(await readJson(req, config.maxBodyBytes), gitTransport(config));
    // With a run id the clone is a run: answered at once, followed like a turn.
    if (request.run_id !== undefined)
      return sendJson(res, 201, await deps.manager.startClone(request, scope));
    return sendJson(res, 200, await scope.cloner.clone(request));
  }
  if (route === "GET /agents") {
    const cwd = await workspace.resolve(url.searchParams.get("cwd") ?? "");
    const body: AgentsResponse = { agents: await listAgents(scope.kiroHome, cwd, deps.logger) };
    return sendJson(res, 200, body);
  }
  if (await handleWorkspaceOut({ ...deps, workspace }, req, res, url)) return;
  throw notFound(req, url);
}

function health(deps: ServerDeps): RunnerHealth {
  const counts = deps.manager.counts();
  return {
    ok: true,
    boot_id: deps.bootId,
    version: deps.version,
    driver: deps.config.driver,
    uptime_ms: Date.now() - deps.startedAt,
    runs_active: counts.active,
    runs_total: counts.total,
    stats: deps.manager.stats(),
    kiro_cli: deps.manager.kiroCli(),
    workspace_root: deps.workspace.root,
  };
}

function notFound(req: IncomingMessage, url: URL): RunnerFault {
  return new RunnerFault("not_found", `no route for ${req.method} ${url.pathname}`);
}

function fail(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const known = error instanceof RunnerFault;
  if (!known) {
    const detail = messageOf(error);
    deps.logger.error("request_failed", { method: req.method, path: pathOf(req), detail });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(res, known ? error : new RunnerFault("internal", "internal runner error"));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Malformed percent-encoding cannot name any run.
    throw new RunnerFault("bad_request", "the run id in the path is not valid percent-encoding");
  }
}

/** The path without the query string, for logs. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "").split("?")[0] ?? "";
}
