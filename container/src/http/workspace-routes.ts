/**
 * The runner's routes for getting work out of a session's clone: POST /workspace/diff,
 * GET /workspace/file and POST /workspace/push (protocol/workspace.ts). Parse, delegate, answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunnerConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { DiffRequest, PushRequest } from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import { checkCloneUrl, gitTransport } from "../workspace/clone-url.ts";
import { workspaceDiff } from "../workspace/diff.ts";
import { workspacePush } from "../workspace/push.ts";
import { readWorkspaceFile } from "../workspace/read-file.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { readJson, sendJson } from "./io.ts";
import { bad, knownFields, optionalToken, requiredString } from "./requests.ts";

export interface WorkspaceRouteDeps {
  config: RunnerConfig;
  workspace: Workspace;
  logger: Logger;
  redactor: Redactor;
}

const DIFF_FIELDS = new Set(["cwd", "base", "path"]);
const PUSH_FIELDS = new Set(["cwd", "base", "url", "branch", "message", "protected_branches", "git_token"]);
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Longest commit message accepted. */
const MAX_MESSAGE_CHARS = 10_000;

/** Answers the request when it is one of these routes; false when it is not. */
export async function handleWorkspaceOut(
  deps: WorkspaceRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  const shadowDeps = { config: deps.config, logger: deps.logger, redactor: deps.redactor };
  if (route === "POST /workspace/diff") {
    const request = parseDiff(await readJson(req, deps.config.maxBodyBytes));
    sendJson(res, 200, await workspaceDiff(shadowDeps, deps.workspace, request));
    return true;
  }
  if (route === "GET /workspace/file") {
    const cwd = url.searchParams.get("cwd") ?? "";
    const file = await readWorkspaceFile(
      deps.workspace,
      cwd,
      url.searchParams.get("path") ?? "",
      deps.redactor,
    );
    sendJson(res, 200, file);
    return true;
  }
  if (route === "POST /workspace/push") {
    const request = parsePush(await readJson(req, deps.config.maxBodyBytes), deps.config);
    sendJson(res, 200, await workspacePush(shadowDeps, deps.workspace, request));
    return true;
  }
  return false;
}

export function parseDiff(body: unknown): DiffRequest {
  const fields = knownFields(body, DIFF_FIELDS);
  const path = fields.path;
  if (path !== undefined && path !== null && typeof path !== "string") throw bad("path", "must be a string");
  return { cwd: requiredString(fields, "cwd"), base: commitId(fields), path: path || undefined };
}

export function parsePush(body: unknown, config: RunnerConfig): PushRequest {
  const fields = knownFields(body, PUSH_FIELDS);
  const url = requiredString(fields, "url");
  const problem = checkCloneUrl(url, gitTransport(config));
  if (problem !== undefined) throw bad("url", problem);
  const branch = requiredString(fields, "branch");
  if (branch === "" || branch.length > 200) throw bad("branch", "must be 1-200 characters");
  const message = fields.message;
  if (message !== undefined && message !== null) {
    if (typeof message !== "string" || message.trim() === "" || message.length > MAX_MESSAGE_CHARS) {
      throw bad("message", `must be a non-empty string of at most ${MAX_MESSAGE_CHARS} characters`);
    }
  }
  const protectedBranches = fields.protected_branches;
  if (
    protectedBranches !== undefined &&
    (!Array.isArray(protectedBranches) || protectedBranches.some((name) => typeof name !== "string"))
  ) {
    throw bad("protected_branches", "must be a list of branch names");
  }
  return {
    cwd: requiredString(fields, "cwd"),
    base: commitId(fields),
    url,
    branch,
    message: typeof message === "string" ? message : undefined,
    protected_branches: protectedBranches as string[] | undefined,
    git_token: optionalToken(fields, "git_token"),
  };
}

function commitId(fields: Record<string, unknown>): string {
  const base = requiredString(fields, "base");
  if (!OBJECT_ID.test(base)) throw bad("base", "must be a full commit id (40 or 64 hex digits)");
  return base;
}
