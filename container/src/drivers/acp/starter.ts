/**
 * Getting a session's kiro-cli ready for a prompt or a command: the warm process (spawned and
 * initialized when missing, dead, or started for another agent or directory), the ACP session in
 * it (session/load of the saved id when resuming, falling back to session/new), and the model.
 *
 * Each start-up request fails when kiro-cli sends nothing at all for KIRO_ACP_START_TIMEOUT_MS:
 * session/load replays the whole conversation first (minutes on a long one), and every replayed
 * update counts as progress. A process that goes silent is killed. A load Kiro refuses because a
 * dead kiro-cli left the conversation locked is retried once after the stale lock is removed
 * (acp/session-lock.ts). Callers serialize calls (AcpSession.exclusive).
 */
import * as acp from "@agentclientprotocol/sdk";
import type { RunnerConfig } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { messageOf } from "../../protocol/index.ts";
import type { Redactor } from "../../text/redact.ts";
import { TimeoutError, withIdleTimeout, withTimeout } from "../../timeouts.ts";
import { describeExit } from "../verdict.ts";
import { AcpProcess, type AcpProcessHandlers } from "./process.ts";
import { renderRequestError } from "./render.ts";
import { lockRefusal, releaseStaleLock } from "./session-lock.ts";
import type { SessionStore } from "./session-store.ts";
import { AcpStartFailure, type Ready, type SessionWant } from "./types.ts";

/** session/set_model is acknowledged at once by kiro-cli when it is honoured at all. */
const SET_MODEL_TIMEOUT_MS = 10_000;

export interface StarterDeps {
  key: string;
  /** Whether the ACP session id is saved for later turns (false for runs without a session key). */
  persistent: boolean;
  config: RunnerConfig;
  logger: Logger;
  redactor: Redactor;
  store: SessionStore;
}

export class AcpStarter {
  readonly #deps: StarterDeps;
  readonly #handlers: AcpProcessHandlers;
  #current: AcpProcess | undefined;
  /** What the warm process was started with; a turn that wants other values restarts it. */
  #spec: { cwd: string; agent: string | undefined; apiKey: string | undefined } | undefined;
  #sessionId: string | undefined;
  #model: string | undefined;

  constructor(deps: StarterDeps, handlers: AcpProcessHandlers) {
    this.#deps = deps;
    this.#handlers = handlers;
  }

  /** The warm process, if there is one. */
  get process(): AcpProcess | undefined {
    return this.#current;
  }

  async ready(want: SessionWant, notice: (text: string) => void): Promise<Ready> {
    const sameSpec =
      this.#spec?.cwd === want.cwd &&
      this.#spec.agent === want.agent &&
      this.#spec.apiKey === want.env.KIRO_API_KEY;
    if (this.#current?.alive && !sameSpec && want.anyProcess !== true)
      await this.stop("agent_cwd_or_key_changed");
    let process = this.#current?.alive ? this.#current : await this.#spawn(want);
    if (this.#sessionId === undefined || !want.resume)
      process = await this.#openSession(process, want, notice);
    const sessionId = this.#sessionId;
    if (sessionId === undefined) throw new AcpStartFailure({ error: "kiro-cli opened no ACP session" });
    if (want.model !== undefined && want.model !== this.#model)
      await this.#applyModel(process, sessionId, want.model, notice);
    return { process, sessionId };
  }

  /** Stops the warm process: stdin closed, SIGTERM, SIGKILL after the grace period. */
  async stop(why: string): Promise<void> {
    const process = this.#current;
    this.#forget();
    if (process === undefined || !process.alive) return;
    this.#deps.logger.info("acp_process_stopping", {
      session_key: this.#deps.key,
      pid: process.pid ?? null,
      why,
    });
    await process.stop();
  }

  #forget(): void {
    this.#current = undefined;
    this.#spec = undefined;
    this.#sessionId = undefined;
    this.#model = undefined;
  }

  async #spawn(want: SessionWant): Promise<AcpProcess> {
    const { config, logger, key } = this.#deps;
    const args = ["acp"];
    if (want.agent !== undefined) args.push("--agent", want.agent);
    if (config.trust === "all") args.push("--trust-all-tools");
    const process = new AcpProcess(
      {
        ...config,
        cliPath: want.cliPath,
        args,
        cwd: want.cwd,
        env: want.env,
        user: want.user,
        label: { session_key: key },
        logger,
      },
      this.#handlers,
    );
    this.#forget();
    this.#current = process;
    this.#spec = { cwd: want.cwd, agent: want.agent, apiKey: want.env.KIRO_API_KEY };
    void process.ended.then((end) => {
      if (this.#current === process) this.#forget();
      logger.info("acp_process_ended", {
        session_key: key,
        pid: process.pid ?? null,
        code: end.code,
        signal: end.signal,
      });
    });
    const failed = await process.whenSpawned();
    if (failed !== undefined)
      throw new AcpStartFailure({ spawnError: failed.spawnError ?? describeExit(failed) });
    logger.info("acp_process_started", { session_key: key, pid: process.pid ?? null });
    await this.#call(process, "initialize", () =>
      process.agent.request("initialize", {
        protocolVersion: acp.PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
        clientInfo: { name: "kiro-mcp-edge-runner", version: "0.1.0" },
      }),
    );
    return process;
  }

  /** Loads the saved conversation when resuming, else (or when that fails) opens a new one. */
  async #openSession(
    process: AcpProcess,
    want: SessionWant,
    notice: (text: string) => void,
  ): Promise<AcpProcess> {
    const { store, key, persistent, logger } = this.#deps;
    const saved = want.resume && persistent ? store.get(key) : undefined;
    let target = process;
    if (saved !== undefined) {
      const failure = await this.#load(process, saved, want.cwd);
      if (failure === undefined) return process;
      store.delete(key);
      logger.warn("acp_load_failed", { session_key: key, detail: this.#deps.redactor.text(failure) });
      notice(`could not resume the saved Kiro session (${failure}); this turn starts a new conversation`);
      if (!process.alive) target = await this.#spawn(want);
    }
    const response = await this.#call(target, "session/new", () =>
      target.agent.request("session/new", { cwd: want.cwd, mcpServers: [] }),
    );
    this.#sessionId = response.sessionId;
    this.#model = undefined;
    if (persistent) store.set(key, response.sessionId);
    return target;
  }

  /** undefined when the session loaded; otherwise why it did not. */
  async #load(process: AcpProcess, sessionId: string, cwd: string): Promise<string | undefined> {
    let failure = await this.#tryLoad(process, sessionId, cwd);
    const refused = failure === undefined ? undefined : lockRefusal(failure);
    if (refused !== undefined && process.alive) {
      const { kiroHome, runAs } = this.#deps.config;
      const release = await releaseStaleLock(kiroHome, sessionId, runAs);
      this.#deps.logger.warn("acp_session_locked", {
        session_key: this.#deps.key,
        holder_pid: refused.pid ?? null,
        released: release.released,
      });
      if (!release.released)
        return `Kiro reports the conversation open in another kiro-cli process, and ${release.why}`;
      failure = await this.#tryLoad(process, sessionId, cwd);
    }
    if (failure !== undefined) return failure;
    this.#sessionId = sessionId;
    this.#model = undefined;
    return undefined;
  }

  async #tryLoad(process: AcpProcess, sessionId: string, cwd: string): Promise<string | undefined> {
    try {
      await this.#call(process, "session/load", () =>
        process.agent.request("session/load", { sessionId, cwd, mcpServers: [] }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof AcpStartFailure && error.end.spawnError === undefined) return error.message;
      throw error;
    }
  }

  async #applyModel(process: AcpProcess, sessionId: string, model: string, notice: (text: string) => void) {
    try {
      const request = process.agent.request("session/set_model", { sessionId, modelId: model });
      await withTimeout(request, SET_MODEL_TIMEOUT_MS);
      this.#model = model;
    } catch (error) {
      const reason = messageOf(error);
      notice(`kiro-cli did not switch to model ${model} (${reason}); the turn uses its current model`);
    }
  }

  /** One start-up request, bounded by silence; every failure becomes an AcpStartFailure. */
  async #call<T>(process: AcpProcess, what: string, request: () => Promise<T>): Promise<T> {
    const { acpStartTimeoutMs, pipeDrainGraceMs, groupGoneTimeoutMs } = this.#deps.config;
    try {
      return await withIdleTimeout(request(), acpStartTimeoutMs, () => process.lastActivityAt);
    } catch (error) {
      if (error instanceof TimeoutError) {
        await process.kill("start_timeout");
        return fail(
          `kiro-cli sent nothing for ${acpStartTimeoutMs} ms while answering ${what} (KIRO_ACP_START_TIMEOUT_MS) and was stopped`,
        );
      }
      if (error instanceof acp.RequestError)
        return fail(`kiro-cli answered ${what} with an error: ${renderRequestError(error)}`);
      // The connection closed: kiro-cli is exiting.
      const exit = await process.settle(pipeDrainGraceMs + groupGoneTimeoutMs);
      throw new AcpStartFailure({ exit, error: `${describeExit(exit)} during ${what}` });
    }
  }
}

function fail(error: string): never {
  throw new AcpStartFailure({ error });
}
