import type { McpServer, ReadResourceResult } from "@modelcontextprotocol/server";
import { tokenRegistry } from "../../auth/authenticate.ts";
import { LIMITS } from "../../config.ts";
import { KiroError, unwrap } from "../../errors.ts";
import { operatorApiKey } from "../../secrets/kiro-key.ts";
import { accountOf, sessionStub, type ToolContext } from "../context.ts";
import { listSessions } from "../tools/kiro-session-list.ts";
import { registerWorkspaceFiles } from "./workspace-files.ts";

const JSON_TYPE = "application/json";
const REDACTED = "[redacted]";

/**
 * kiro://sessions, kiro://agents and kiro://config: read-only views for clients that browse; and
 * the template kiro://sessions/{session_id}/files/{+path} for one file of a session's workspace.
 */
export function registerResources(server: McpServer, ctx: ToolContext): void {
  registerWorkspaceFiles(server, ctx);
  server.registerResource(
    "sessions",
    "kiro://sessions",
    {
      title: "Your Kiro sessions",
      description: "Sessions, the active one, and their running tasks",
      mimeType: JSON_TYPE,
    },
    (uri) => guarded(uri, () => listSessions(ctx)),
  );
  server.registerResource(
    "agents",
    "kiro://agents",
    { title: "Kiro agents", description: "Agents available to the active session", mimeType: JSON_TYPE },
    (uri) => guarded(uri, () => agents(ctx)),
  );
  server.registerResource(
    "config",
    "kiro://config",
    {
      title: "Server configuration",
      description: "Effective settings; secrets redacted",
      mimeType: JSON_TYPE,
    },
    (uri) => guarded(uri, () => config(ctx)),
  );
}

async function guarded(uri: URL, read: () => Promise<unknown>): Promise<ReadResourceResult> {
  try {
    return {
      contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(await read(), null, 2) }],
    };
  } catch (error) {
    // Resources have no isError: report an expected failure in the content, never internals.
    const message = error instanceof KiroError ? error.message : "Internal error reading this resource.";
    return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify({ error: message }) }] };
  }
}

/** Without an active session there is no runner to ask: only Kiro's built-in agent is known. */
async function agents(ctx: ToolContext) {
  const active = (await accountOf(ctx).listSessions()).find((ref) => ref.active);
  if (!active) {
    return {
      agents: [{ name: "kiro_default", description: "Kiro's built-in agent", source: "builtin" }],
      note: "Create a session (kiro_session_create) to see custom agents in its workspace.",
    };
  }
  return {
    session_id: active.session_id,
    agents: unwrap(await sessionStub(ctx, active.session_id).agents()),
  };
}

async function config(ctx: ToolContext) {
  const { settings, env } = ctx;
  const [mode, yours] = await Promise.all([tokenRegistry(env).authMode(), accountOf(ctx).listSecrets()]);
  return {
    auth: mode === "tokens" ? "bearer tokens" : "local mode (this machine only)",
    runner: settings.runnerUrl
      ? { mode: "host", url: settings.runnerUrl }
      : { mode: "container per session" },
    kiro_chat_wait_ms: settings.chatWaitMs,
    max_sessions_per_user: settings.maxSessions,
    max_running_tasks_per_user: settings.maxRunningTasks,
    task_ttl_ms: settings.taskTtlMs,
    session_idle_ttl_ms: settings.sessionIdleTtlMs,
    max_message_bytes: LIMITS.MAX_MESSAGE_BYTES,
    max_wait_ms: LIMITS.MAX_WAIT_MS,
    shared_api_key: settings.sharedApiKey ? "allow" : "off",
    // Names and dates only: values never leave the secret store but for your own runs.
    your_secrets: yours,
    secrets: {
      KIRO_API_KEY: operatorApiKey(env) ? REDACTED : "not set",
      KIRO_RUNNER_SECRET: env.KIRO_RUNNER_SECRET ? REDACTED : "not set",
      KIRO_ADMIN_TOKEN: env.KIRO_ADMIN_TOKEN ? REDACTED : "not set",
      KIRO_SECRETS_KEY: env.KIRO_SECRETS_KEY ? REDACTED : "not set",
    },
  };
}
