/**
 * Strict checks of request bodies and query parameters: a bad field is a bad_request naming the
 * field, and nothing is started. Agent and model names must not look like options, because
 * they become kiro-cli arguments.
 */

import { RunnerFault } from "../errors.ts";
import {
  type CloneRequest,
  type CommandRequest,
  PERMISSION_KEY,
  type PermissionAnswer,
  type ResolveWorkspaceRequest,
  type StartRunRequest,
  type WorkspaceSource,
  type WriteFileRequest,
} from "../protocol/index.ts";
import { checkCloneUrl, type GitTransport } from "../workspace/clone-url.ts";

/** Run ids are minted by the caller: short, and safe in URLs and logs. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Agent and model names: no leading dash, no whitespace or control characters. */
const NAME = /^[A-Za-z0-9_.:/@][A-Za-z0-9_.:/@+-]{0,199}$/;
const START_FIELDS = new Set([
  "run_id",
  "message",
  "cwd",
  "agent",
  "model",
  "resume",
  "session_key",
  "kiro_api_key",
  "workspace",
  "ask_permissions",
]);
const COMMAND_FIELDS = new Set(["command", "cwd", "agent", "kiro_api_key"]);
const PERMISSION_ANSWER_FIELDS = new Set(["option_id"]);
/** A Kiro API key: printable ASCII without spaces, as the Worker's secret store accepts it. */
const API_KEY = /^[\x21-\x7e]{1,4096}$/;
const WRITE_FILE_FIELDS = new Set(["path", "content"]);
const CLONE_FIELDS = new Set(["url", "path", "ref", "git_token", "run_id", "session_key"]);
const WORKSPACE_SOURCE_FIELDS = new Set(["url", "commit", "branch", "git_token"]);
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Branch or tag names for `git clone --branch`: never an option. */
const REF = /^[A-Za-z0-9._/][A-Za-z0-9._/-]{0,199}$/;
/** Longest slash command, in UTF-8 bytes. */
const MAX_COMMAND_BYTES = 1024;

export function parseStartRun(body: unknown, transport: GitTransport): StartRunRequest {
  const fields = knownFields(body, START_FIELDS);
  const runId = requiredRunId(fields);
  const message = requiredString(fields, "message");
  if (message.trim() === "") throw bad("message", "must not be empty");
  return {
    run_id: runId,
    message,
    cwd: requiredString(fields, "cwd"),
    agent: optionalName(fields, "agent"),
    model: optionalName(fields, "model"),
    resume: optionalBoolean(fields, "resume"),
    session_key: optionalSessionKey(fields),
    kiro_api_key: optionalApiKey(fields),
    workspace: optionalWorkspaceSource(fields.workspace, transport),
    ask_permissions: optionalBoolean(fields, "ask_permissions"),
  };
}

function requiredRunId(fields: Record<string, unknown>): string {
  const runId = requiredString(fields, "run_id");
  if (!RUN_ID.test(runId)) throw bad("run_id", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  return runId;
}

function optionalSessionKey(fields: Record<string, unknown>): string | undefined {
  const sessionKey = fields.session_key;
  if (sessionKey === undefined || sessionKey === null) return undefined;
  if (typeof sessionKey !== "string" || !RUN_ID.test(sessionKey)) {
    throw bad(
      "session_key",
      "must be 1-128 characters of A-Z a-z 0-9 . _ : - (starting with a letter or digit)",
    );
  }
  return sessionKey;
}

/** StartRunRequest.workspace: where the session's clone comes from. */
function optionalWorkspaceSource(value: unknown, transport: GitTransport): WorkspaceSource | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = knownFields(value, WORKSPACE_SOURCE_FIELDS);
  const url = requiredString(fields, "url");
  const problem = checkCloneUrl(url, transport);
  if (problem !== undefined) throw bad("workspace.url", problem);
  const commit = requiredString(fields, "commit");
  if (!OBJECT_ID.test(commit)) throw bad("workspace.commit", "must be a full commit id");
  const branch = fields.branch;
  if (branch !== undefined && branch !== null && (typeof branch !== "string" || !REF.test(branch))) {
    throw bad(
      "workspace.branch",
      "must be a branch name: 1-200 of A-Z a-z 0-9 . _ / - (not starting with -)",
    );
  }
  return {
    url,
    commit,
    branch: typeof branch === "string" ? branch : null,
    git_token: optionalToken(fields, "git_token"),
  };
}

/** An answer to a permission request: `option_id`, a string or null (dismiss). */
export function parsePermissionAnswer(body: unknown): PermissionAnswer {
  const fields = knownFields(body, PERMISSION_ANSWER_FIELDS);
  const optionId = fields.option_id;
  if (optionId !== null && (typeof optionId !== "string" || optionId === "" || optionId.length > 200)) {
    throw bad(
      "option_id",
      "must be one of the option ids Kiro offered (1-200 characters), or null to dismiss",
    );
  }
  return { option_id: optionId };
}

/** A permission request's key from the URL path, as the runner minted it. */
export function parsePermissionKey(segment: string): string {
  if (!PERMISSION_KEY.test(segment)) throw bad("permission key", 'must look like "permission-1"');
  return segment;
}

/** A slash command: starts with "/", one line, at most MAX_COMMAND_BYTES. */
export function parseCommand(body: unknown): CommandRequest {
  const fields = knownFields(body, COMMAND_FIELDS);
  const command = requiredString(fields, "command");
  if (!command.startsWith("/") || command.trim() === "/")
    throw bad("command", 'must be a slash command such as "/tools"');
  if (/[\r\n]/.test(command)) throw bad("command", "must be a single line");
  if (Buffer.byteLength(command, "utf8") > MAX_COMMAND_BYTES)
    throw bad("command", `must be at most ${MAX_COMMAND_BYTES} bytes`);
  return {
    command,
    cwd: requiredString(fields, "cwd"),
    agent: optionalName(fields, "agent"),
    kiro_api_key: optionalApiKey(fields),
  };
}

export function parseWriteFile(body: unknown): WriteFileRequest {
  const fields = knownFields(body, WRITE_FILE_FIELDS);
  const filePath = requiredString(fields, "path");
  if (filePath.trim() === "") throw bad("path", "must not be empty");
  return { path: filePath, content: requiredString(fields, "content") };
}

/**
 * A clone request. The URL must name a remote repository in a form git cannot mistake for an
 * option or a transport command: https://, ssh://, scp-like user@host:path, and file:// or
 * http:// only as `transport` allows (KIRO_ALLOW_FILE_CLONES, KIRO_GIT_ALLOW_HTTP_HOSTS).
 */
export function parseClone(body: unknown, transport: GitTransport): CloneRequest {
  const fields = knownFields(body, CLONE_FIELDS);
  const url = requiredString(fields, "url");
  const problem = checkCloneUrl(url, transport);
  if (problem !== undefined) throw bad("url", problem);
  const target = requiredString(fields, "path");
  if (target.trim() === "") throw bad("path", "must not be empty");
  const ref = fields.ref;
  if (ref !== undefined && ref !== null && (typeof ref !== "string" || !REF.test(ref))) {
    throw bad("ref", "must be a branch or tag name: 1-200 of A-Z a-z 0-9 . _ / - (not starting with -)");
  }
  return {
    url,
    path: target,
    ref: typeof ref === "string" ? ref : undefined,
    git_token: optionalToken(fields, "git_token"),
    run_id: fields.run_id === undefined || fields.run_id === null ? undefined : requiredRunId(fields),
    session_key: optionalSessionKey(fields),
  };
}

/** A session key from the URL path: the same characters as run ids. */
export function parseSessionKey(segment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(segment);
  } catch {
    throw bad("session key", "is not valid percent-encoding");
  }
  if (!RUN_ID.test(key)) throw bad("session key", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  return key;
}

export function parseResolveWorkspace(body: unknown): ResolveWorkspaceRequest {
  return { path: requiredString(asObject(body), "path") };
}

/** The `after` query parameter: absent means 0. */
export function parseAfter(raw: string | null): number {
  if (raw === null || raw === "") return 0;
  const after = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(after)) {
    throw bad("after", "must be a non-negative integer");
  }
  return after;
}

/** The body as an object, refusing fields not in `allowed`. */
export function knownFields(body: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  const fields = asObject(body);
  for (const key of Object.keys(fields)) {
    if (!allowed.has(key)) throw bad(key, "is not a known field");
  }
  return fields;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RunnerFault("bad_request", "the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

export function requiredString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== "string") throw bad(name, "must be a string");
  return value;
}

function optionalName(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !NAME.test(value)) {
    throw bad(name, "must be a name of letters, digits and . _ : / @ + - (not starting with -)");
  }
  return value;
}

/** `kiro_api_key`; the message never quotes the value. */
function optionalApiKey(fields: Record<string, unknown>): string | undefined {
  return optionalToken(fields, "kiro_api_key");
}

/** A credential field (`kiro_api_key`, `git_token`); the message never quotes the value. */
export function optionalToken(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !API_KEY.test(value)) {
    throw bad(name, "must be 1-4096 printable ASCII characters without spaces");
  }
  return value;
}

function optionalBoolean(fields: Record<string, unknown>, name: string): boolean | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw bad(name, "must be a boolean");
  return value;
}

export function bad(field: string, problem: string): RunnerFault {
  return new RunnerFault("bad_request", `${field} ${problem}`);
}
