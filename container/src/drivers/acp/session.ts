/**
 * One Kiro session (session_key) under the ACP driver: its warm `kiro-cli acp [--agent A]
 * [--trust-all-tools]` process and the ACP session open in it.
 *
 * Started on first use: initialize → session/load of the saved ACP session id when the turn
 * resumes and one is saved, else session/new. If the load fails (kiro-cli answers an error, or
 * exits 0 as it does for an unknown id) the saved id is dropped and the same turn goes on with
 * session/new, in a new process if needed, with a notice saying the conversation starts over.
 * The process is reused by the next turn (a different agent or directory restarts it), restarted
 * when it died, stopped after KIRO_ACP_IDLE_MS without work, and on reset/end. One turn at a
 * time; slash commands may run beside it. Getting ready is serialized, so a command and a turn
 * never start two processes.
 *
 * The session gets kiro-cli ready (AcpStarter) and hands it to the turn (AcpTurn), which prompts
 * it; notifications, permission requests and stderr from the process go to the running turn.
 */
import type { RequestPermissionResponse } from "@agentclientprotocol/sdk";
import type { RunnerConfig } from "../../config.ts";
import { RunnerFault } from "../../errors.ts";
import type { CommandResponse } from "../../protocol/index.ts";
import { withTimeout } from "../../timeouts.ts";
import type { SessionCommand, TurnHandle, TurnRequest, TurnSink } from "../driver.ts";
import { commandError, commandParams, commandResponse } from "./command.ts";
import { decidePermission } from "./permissions.ts";
import type { AcpProcessHandlers } from "./process.ts";
import { AcpStarter, type StarterDeps } from "./starter.ts";
import { AcpTurn } from "./turn.ts";
import { AcpStartFailure, type Ready, type SessionWant } from "./types.ts";

/** A request between turns: no client is waiting on it, so `ask` decides by its rule. */
const NO_TURN = { why: "no_client" } as const;

export interface AcpSessionDeps extends StarterDeps {
  /** The session has no process and no work: the pool may forget it. */
  onIdle(session: AcpSession): void;
}

export class AcpSession {
  readonly key: string;
  readonly #config: RunnerConfig;
  readonly #deps: AcpSessionDeps;
  readonly #starter: AcpStarter;
  #turn: AcpTurn | undefined;
  #turnRunId: string | undefined;
  #commands = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: AcpSessionDeps) {
    this.key = deps.key;
    this.#config = deps.config;
    this.#deps = deps;
    this.#starter = new AcpStarter(deps, this.#handlers());
  }

  /** A turn or a command is running. */
  get busy(): boolean {
    return this.#turn !== undefined || this.#commands > 0;
  }

  /** The run whose turn is in progress, if any. */
  get runningTurn(): string | undefined {
    return this.#turnRunId;
  }

  get warm(): boolean {
    return this.#starter.process?.alive === true;
  }

  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle {
    clearTimeout(this.#idleTimer);
    const turn = new AcpTurn(request, sink, {
      config: this.#config,
      killStarting: (why) => void this.#starter.process?.kill(why),
      ended: (ended) => this.#turnEnded(ended),
    });
    this.#turn = turn;
    this.#turnRunId = request.runId;
    this.#deps.logger.info("run_started", { run_id: request.runId, driver: "acp", session_key: this.key });
    void turn.run(this.#ready({ ...request, resume: request.resume === true }, turn));
    return turn;
  }

  /** Runs a slash command on the warm process (starting one if needed), bounded by KIRO_COMMAND_TIMEOUT_MS. */
  async command(command: SessionCommand): Promise<CommandResponse> {
    this.#commands += 1;
    clearTimeout(this.#idleTimer);
    const { commandTimeoutMs } = this.#config;
    try {
      return await withTimeout(this.#runCommand(command), commandTimeoutMs);
    } catch (error) {
      throw commandError(error, command.command, commandTimeoutMs, this.#deps.redactor);
    } finally {
      this.#commands -= 1;
      this.#armIdle();
    }
  }

  /** Forgets the saved conversation and stops the process; refused while a turn runs. */
  async reset(): Promise<void> {
    if (this.#turnRunId !== undefined) {
      throw new RunnerFault(
        "too_many_runs",
        `session ${this.key} is running run ${this.#turnRunId}; cancel it or wait for it, then clear the session`,
      );
    }
    this.#deps.store.delete(this.key);
    await this.#exclusive(() => this.#starter.stop("reset"));
  }

  /** The Kiro session ended: forget its conversation and stop its process now. */
  async end(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#deps.store.delete(this.key);
    await this.#starter.stop("session_ended");
  }

  /** Stops the process, keeping the saved conversation (runner shutdown). */
  async shutdown(): Promise<void> {
    clearTimeout(this.#idleTimer);
    await this.#starter.stop("shutdown");
  }

  /**
   * kiro-cli ready for `want`, after every earlier start-up step of this session. A turn's
   * start-up notices go to the turn, and a turn stopped meanwhile gets no process.
   */
  #ready(want: SessionWant, turn?: AcpTurn): Promise<Ready> {
    return this.#exclusive(() => {
      if (turn?.stopped)
        throw new AcpStartFailure({ error: "the turn was stopped before kiro-cli was ready" });
      return this.#starter.ready(want, (text) => turn?.notice(text));
    });
  }

  async #runCommand(command: SessionCommand): Promise<CommandResponse> {
    const ready = await this.#ready({ ...command, resume: true, anyProcess: true });
    const params = { sessionId: ready.sessionId, command: commandParams(command.command) };
    const result = await ready.process.agent.request("_kiro.dev/commands/execute", params);
    return commandResponse(command.command, result, this.#deps.redactor);
  }

  #handlers(): AcpProcessHandlers {
    return {
      notification: (method, params) => this.#turn?.notification(method, params),
      permission: (request): RequestPermissionResponse | Promise<RequestPermissionResponse> =>
        this.#turn?.permission(request) ?? decidePermission(this.#config.trust, request, NO_TURN).response,
      stderr: (text) => this.#turn?.stderr(text),
    };
  }

  #turnEnded(turn: AcpTurn): void {
    if (this.#turn !== turn) return;
    this.#turn = undefined;
    this.#turnRunId = undefined;
    if (this.#deps.persistent) {
      this.#armIdle();
      return;
    }
    // A run without a session key had its own process: it goes with the run.
    void this.#exclusive(() => this.#starter.stop("single_run")).then(() => this.#forgetIfIdle());
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    if (this.busy) return;
    this.#idleTimer = setTimeout(() => void this.#idleStop(), this.#config.acpIdleMs);
    this.#idleTimer.unref();
  }

  async #idleStop(): Promise<void> {
    if (this.busy) return;
    await this.#exclusive(async () => {
      if (!this.busy) await this.#starter.stop("idle");
    });
    this.#forgetIfIdle();
  }

  #forgetIfIdle(): void {
    if (!this.busy && !this.warm) this.#deps.onIdle(this);
  }

  /** Runs `work` after every earlier start-up step of this session has finished. */
  #exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
