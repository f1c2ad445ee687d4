/**
 * What the dashboard shows a signed-in person, gathered with the same functions the MCP tools use
 * (kiro_session_list, kiro_task_list) so the two never disagree: their sessions, their tasks, their
 * tokens (never a secret: the registry holds only hashes), the MCP clients they connected with
 * OAuth, and their stored secrets (names and dates only). Everything is read for this user alone: the objects are named by their user id.
 */
import { tokenRegistry } from "../../auth/authenticate.ts";
import type { TokenRecord } from "../../auth/token-registry.ts";
import { accountOf, type ToolContext } from "../../mcp/context.ts";
import { listSessions } from "../../mcp/tools/kiro-session-list.ts";
import { listTasks } from "../../mcp/tools/kiro-task-list.ts";
import type { SecretInfo } from "../../secrets/store.ts";
import type { SessionInfo, TaskSummary } from "../../session/views.ts";
import { settings } from "../../settings.ts";
import { createLogger } from "../../util/log.ts";
import type { BrowserUser } from "../browser-session.ts";
import { type ConnectedClient, connectedClients } from "./clients.ts";

/** Most tasks the dashboard lists: the newest, across the person's sessions. */
export const DASHBOARD_TASKS = 50;

export interface DashboardData {
  user: BrowserUser;
  sessions: (SessionInfo & { active: boolean })[];
  tasks: TaskSummary[];
  /** This user's tokens, live and revoked, oldest first. */
  tokens: Omit<TokenRecord, "user_id">[];
  secrets: SecretInfo[];
  /** MCP clients connected with OAuth; null where none can be (no OAuth on plain http off loopback). */
  clients: ConnectedClient[] | null;
}

/** The tool context of a signed-in person's request: the dashboard acts as they would through /mcp. */
export function contextOf(user: BrowserUser, env: Env, request: Request): ToolContext {
  return {
    userId: user.userId,
    credentialId: user.credentialId,
    env,
    settings: settings(env),
    log: createLogger({ component: "dashboard", user_id: user.userId }),
    origin: new URL(request.url).origin,
  };
}

export async function dashboardData(
  user: BrowserUser,
  ctx: ToolContext,
  request: Request,
): Promise<DashboardData> {
  const [sessions, tasks, tokens, secrets, clients] = await Promise.all([
    listSessions(ctx),
    listTasks(ctx, undefined, true),
    userTokens(ctx.env, user.userId),
    accountOf(ctx).listSecrets(),
    connectedClients(request, ctx.env, user.userId),
  ]);
  return {
    user,
    sessions: sessions.sessions,
    tasks: tasks.tasks.slice(0, DASHBOARD_TASKS),
    tokens,
    secrets,
    clients,
  };
}

/** `userId`'s tokens: id, label and dates, never a hash. */
export async function userTokens(env: Env, userId: string): Promise<Omit<TokenRecord, "user_id">[]> {
  const all = await tokenRegistry(env).list();
  return all.filter((token) => token.user_id === userId).map(({ user_id: _owner, ...token }) => token);
}
