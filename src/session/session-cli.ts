/**
 * The session's kiro-cli outside its turns: a slash command, the agents it offers in the
 * working directory, forgetting its saved conversation (the next turn starts fresh), and writing
 * the conversation we recorded to the workspace as Markdown. Each refuses a session that is not
 * ready, and a runner failure reaches the user in its safe form (runner-call.ts).
 */
import { LIMITS } from "../config.ts";
import type { AgentInfo, CommandResponse, RunnerClient } from "../runner/client.ts";
import { kiroApiKeyFor } from "../secrets/kiro-key.ts";
import type { Logger } from "../util/log.ts";
import { type History, historyMarkdown } from "./history.ts";
import type { SessionMeta, SessionRecord } from "./meta.ts";
import { callRunner } from "./runner-call.ts";
import { requireReady } from "./setup.ts";

export interface SessionCliDeps {
  env: Env;
  meta: SessionMeta;
  history: History;
  runner: () => RunnerClient;
  log: Logger;
}

export class SessionCli {
  readonly #deps: SessionCliDeps;

  constructor(deps: SessionCliDeps) {
    this.#deps = deps;
  }

  /** Runs `command` on the session's kiro-cli with the user's Kiro API key. */
  async command(meta: SessionRecord, command: string): Promise<CommandResponse> {
    requireReady(meta);
    const request = {
      command,
      cwd: meta.workingDirectory,
      agent: meta.agent ?? undefined,
      kiro_api_key: await kiroApiKeyFor(this.#deps.env, meta.userId),
    };
    const result = await this.#call(() => this.#deps.runner().command(meta.sessionId, request));
    this.#deps.meta.update({ lastActive: Date.now() });
    return result;
  }

  agents(meta: SessionRecord): Promise<AgentInfo[]> {
    requireReady(meta);
    return this.#call(() => this.#deps.runner().agents(meta.workingDirectory));
  }

  /** Forgets Kiro's saved conversation: the next turn starts fresh. */
  async clearConversation(meta: SessionRecord): Promise<void> {
    requireReady(meta);
    await this.#call(() => this.#deps.runner().resetSession(meta.sessionId));
    this.#deps.meta.update({ resumable: false, lastActive: Date.now() });
  }

  /** Writes the recorded conversation (its newest MAX_HISTORY_TURNS) as Markdown to `path`. */
  async saveConversation(
    meta: SessionRecord,
    path: string,
  ): Promise<{ path: string; bytes: number; turns: number }> {
    requireReady(meta);
    const turns = this.#deps.history.recent(LIMITS.MAX_HISTORY_TURNS);
    const written = await this.#call(() =>
      this.#deps.runner().writeFile(path, historyMarkdown(meta.sessionId, turns)),
    );
    return { path: written.path, bytes: written.bytes, turns: turns.length };
  }

  #call<T>(call: () => Promise<T>): Promise<T> {
    return callRunner(this.#deps.log, call);
  }
}
