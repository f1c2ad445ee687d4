/**
 * The ACP driver (KIRO_DRIVER=acp, the default): one warm `kiro-cli acp` per session_key, kept
 * between turns so a follow-up message skips kiro-cli's start-up, with live structured updates.
 *
 * One turn at a time per session: a second run for a session whose turn is still going is
 * refused with too_many_runs (the Worker runs one task per session anyway). A run without a
 * session_key gets a process of its own, stopped when the run ends, and nothing is saved.
 *
 * The rest of the runner knows the ACP driver by this class alone. Inside: AcpSession (one per
 * key: its process, start-up and turns) gets kiro-cli ready with AcpStarter (spawn, initialize,
 * session/load or session/new) over AcpProcess (the process and its JSON-RPC connection), and
 * runs each prompt as an AcpTurn, whose end acp/verdict.ts judges.
 */
import type { RunnerConfig } from "../../config.ts";
import { RunnerFault } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { CommandResponse } from "../../protocol/index.ts";
import type { Redactor } from "../../text/redact.ts";
import type { SessionCommand, TurnDriver, TurnHandle, TurnRequest, TurnSink } from "../driver.ts";
import { AcpSession } from "./session.ts";
import { SessionStore } from "./session-store.ts";

export interface AcpDriverDeps {
  config: RunnerConfig;
  logger: Logger;
  redactor: Redactor;
  /** Saved ACP session ids; defaults to the file in KIRO_RUNNER_STATE_DIR. */
  store?: SessionStore | undefined;
}

/** Pool key of a run without a session key: "~" cannot start a session key, so they never meet. */
function poolKey(request: TurnRequest): string {
  return request.sessionKey ?? `~run/${request.runId}`;
}

export class AcpDriver implements TurnDriver {
  readonly #deps: AcpDriverDeps & { store: SessionStore };
  readonly #sessions = new Map<string, AcpSession>();

  constructor(deps: AcpDriverDeps) {
    this.#deps = { ...deps, store: deps.store ?? new SessionStore(deps.config.stateDir, deps.logger) };
  }

  assertCanStart(request: TurnRequest): void {
    const running = this.#sessions.get(poolKey(request))?.runningTurn;
    if (running === undefined) return;
    throw new RunnerFault(
      "too_many_runs",
      `session ${request.sessionKey} is already running run ${running}: one turn at a time per session; wait for it or cancel it`,
    );
  }

  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle {
    this.assertCanStart(request);
    return this.#session(poolKey(request), request.sessionKey !== undefined).startTurn(request, sink);
  }

  async command(sessionKey: string, prepare: () => Promise<SessionCommand>): Promise<CommandResponse> {
    const command = await prepare();
    return this.#session(sessionKey, true).command(command);
  }

  async reset(sessionKey: string): Promise<void> {
    const session = this.#sessions.get(sessionKey);
    if (session === undefined) return this.#deps.store.delete(sessionKey);
    await session.reset();
  }

  async endSession(sessionKey: string): Promise<void> {
    const session = this.#sessions.get(sessionKey);
    if (session === undefined) return this.#deps.store.delete(sessionKey);
    await session.end();
    if (!session.busy && this.#sessions.get(sessionKey) === session) this.#sessions.delete(sessionKey);
  }

  warmProcesses(): number {
    let warm = 0;
    for (const session of this.#sessions.values()) if (session.warm) warm += 1;
    return warm;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => session.shutdown()));
  }

  #session(key: string, persistent: boolean): AcpSession {
    let session = this.#sessions.get(key);
    if (session === undefined) {
      session = new AcpSession({
        ...this.#deps,
        key,
        persistent,
        onIdle: (idle) => {
          if (this.#sessions.get(idle.key) === idle) this.#sessions.delete(idle.key);
        },
      });
      this.#sessions.set(key, session);
    }
    return session;
  }
}
