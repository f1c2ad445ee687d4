/**
 * One ACP turn on a session's warm kiro-cli: once the session has the process and ACP session
 * ready for it, send one `session/prompt`, map notifications to events while it is in flight,
 * and end when its response arrives — or when kiro-cli dies. session/prompt has no timeout of its
 * own (a turn may rightly take many minutes); what bounds it:
 *   - the run's timeout, which stops the turn;
 *   - KIRO_TURN_IDLE_TIMEOUT_MS: when kiro-cli writes nothing at all for that long, the turn is
 *     cancelled as below and fails with reason idle_timeout;
 *   - Kiro's "Tool uses were interrupted, waiting for the next user prompt" (after its security
 *     filter stops a tool call it never answers the prompt): the turn ends at once, failed with
 *     reason tool_interrupted, and the process stays warm — Kiro is waiting for the next prompt.
 *
 * Stopping sends `session/cancel` and waits up to KIRO_CANCEL_GRACE_MS for the prompt to end
 * (stopReason cancelled); only then is the process group killed. A cancelled turn whose cancel
 * was honoured keeps the process warm for the next turn. A turn stopped for any other reason
 * (timeout, output cap, shutdown) ends with its process group killed whatever kiro-cli did,
 * because a turn that ran that long or wrote that much may have left tools running. A turn
 * stopped before its prompt was sent kills the process that is starting for it.
 */
import * as acp from "@agentclientprotocol/sdk";
import type { RunnerConfig } from "../../config.ts";
import { messageOf } from "../../protocol/index.ts";
import { wellFormed } from "../../text/well-formed.ts";
import { IdleWatch } from "../../timeouts.ts";
import type { StopReason, TurnHandle, TurnRequest, TurnSink } from "../driver.ts";
import { describeExit } from "../verdict.ts";
import { CoalescingSink } from "./coalescing-sink.ts";
import { PermissionPrompts } from "./permission-prompts.ts";
import { decidePermission } from "./permissions.ts";
import { obj, renderRequestError } from "./render.ts";
import { AcpStartFailure, type AcpTurnEnd, type Ready } from "./types.ts";
import { AcpUpdateMapper } from "./updates.ts";
import { abandonedError, withRateLimit } from "./verdict.ts";

/** What a turn needs from its session besides the process it is given. */
export interface TurnContext {
  config: RunnerConfig;
  /** Kills the session's process: the turn was stopped while it was starting. */
  killStarting(why: string): void;
  /** The turn is over; called before its end is reported, so the session is free by then. */
  ended(turn: AcpTurn): void;
}

type Settled =
  | { response: acp.PromptResponse }
  | { error: unknown }
  | { exit: AcpTurnEnd["exit"] }
  | { interrupted: true };

export class AcpTurn implements TurnHandle {
  readonly #context: TurnContext;
  readonly #request: TurnRequest;
  /** The run's sink behind a CoalescingSink: answer and thought chunks merge into fewer events. */
  readonly #sink: CoalescingSink;
  readonly #mapper: AcpUpdateMapper;
  #ready: Ready | undefined;
  #inFlight = false;
  #stopped = false;
  /** Kill the process group when the turn is over (stopped for a reason other than cancel). */
  #endProcess = false;
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #idle: IdleWatch;
  /** Set when the turn is given up without an answer (see AcpTurnEnd.abandoned). */
  #abandoned: AcpTurnEnd["abandoned"];
  #onInterrupted: () => void = () => {};
  /** Kiro's words when it reported a rate limit during the turn. */
  #rateLimit: string | undefined;
  /** Permission requests waiting for the client's answer (KIRO_TRUST=ask). */
  readonly #prompts: PermissionPrompts;

  constructor(request: TurnRequest, sink: TurnSink, context: TurnContext) {
    this.#context = context;
    this.#request = request;
    this.#sink = new CoalescingSink(sink, context.config.maxEventTextBytes);
    this.#mapper = new AcpUpdateMapper(this.#sink, {
      interrupted: () => this.#interrupted(),
      rateLimited: (message) => {
        this.#rateLimit = message;
      },
    });
    this.#prompts = new PermissionPrompts(
      (text, data) => this.#sink.update("permission", text, data),
      context.config.permissionTimeoutMs,
    );
    this.#idle = new IdleWatch(context.config.turnIdleTimeoutMs, () =>
      Math.max(this.#ready?.process.lastActivityAt ?? 0, this.#prompts.lastActivityAt),
    );
  }

  /** True once the turn was asked to stop. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs the turn on `ready`, its session's kiro-cli; the sink's end() is always called, exactly once. */
  async run(ready: Promise<Ready>): Promise<void> {
    let end: AcpTurnEnd;
    try {
      end = await this.#execute(ready);
    } catch (error) {
      end =
        error instanceof AcpStartFailure
          ? { driver: "acp", ...error.end }
          : { driver: "acp", error: messageOf(error) };
    }
    clearTimeout(this.#graceTimer);
    this.#idle.stop();
    this.#prompts.dismissAll();
    this.#inFlight = false;
    const kiro = this.#ready?.process;
    if (this.#endProcess && kiro?.alive) end = { ...end, exit: await kiro.kill("run_stopped") };
    this.#context.ended(this);
    this.#sink.end(end);
  }

  stop(reason: StopReason): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#endProcess = reason !== "cancelled";
    this.#prompts.dismissAll();
    const ready = this.#ready;
    if (!this.#inFlight || ready === undefined) {
      this.#context.killStarting("stopped_while_starting");
      return;
    }
    this.#cancel(ready);
  }

  /** session/cancel, then the process group killed if the prompt has not ended within the grace period. */
  #cancel(ready: Ready): void {
    ready.process.agent.notify("session/cancel", { sessionId: ready.sessionId }).catch(() => undefined);
    this.#graceTimer ??= setTimeout(
      () => void ready.process.kill("cancel_not_honoured"),
      this.#context.config.cancelGraceMs,
    );
  }

  /** Nothing from kiro-cli for KIRO_TURN_IDLE_TIMEOUT_MS: cancel the turn like a user would. */
  #idleTimedOut(): void {
    const ready = this.#ready;
    if (!this.#inFlight || ready === undefined || this.#stopped || this.#abandoned !== undefined) return;
    this.#abandoned = "idle_timeout";
    this.#cancel(ready);
  }

  /** Kiro abandoned the prompt; its last notifications get a moment to arrive. */
  #interrupted(): void {
    if (this.#abandoned === undefined) this.#abandoned = "tool_interrupted";
    setTimeout(() => this.#onInterrupted(), this.#context.config.metadataGraceMs);
  }

  /** Something the reader should know while kiro-cli is being made ready (a resume that failed). */
  notice(text: string): void {
    this.#sink.update("notice", text);
  }

  /** A notification from kiro-cli while the prompt runs; another session's is a subagent's. */
  notification(method: string, params: unknown): void {
    if (!this.#inFlight || this.#ready === undefined) return;
    const sessionId = obj(params).sessionId;
    const own = typeof sessionId !== "string" || sessionId === this.#ready.sessionId;
    this.#mapper.notification(method, params, own);
  }

  /**
   * Answers a permission request by KIRO_TRUST and records the decision; under `ask`, a run whose
   * client can answer gets the request (this.answerPermission), any other decides by its rule.
   */
  permission(
    request: acp.RequestPermissionRequest,
  ): acp.RequestPermissionResponse | Promise<acp.RequestPermissionResponse> {
    const { trust } = this.#context.config;
    if (trust === "ask" && this.#request.askPermissions === true && this.#inFlight && !this.#stopped) {
      return this.#prompts.ask(request);
    }
    const decision = decidePermission(trust, request, trust === "ask" ? { why: "no_client" } : undefined);
    if (this.#inFlight) this.#sink.update("permission", decision.text, decision.data);
    return decision.response;
  }

  answerPermission(key: string, optionId: string | null): void {
    this.#prompts.answer(key, optionId);
  }

  stderr(text: string): void {
    this.#sink.stderr(text);
  }

  async #execute(whenReady: Promise<Ready>): Promise<AcpTurnEnd> {
    const ready = await whenReady;
    if (this.#stopped) return { driver: "acp", error: "the turn was stopped before its prompt was sent" };
    this.#ready = ready;
    this.#inFlight = true;
    this.#sink.accepted();
    this.#idle.start(() => this.#idleTimedOut());
    const prompt = ready.process.agent.request("session/prompt", {
      sessionId: ready.sessionId,
      // Lone surrogates reach kiro-cli as U+FFFD, as they do through a headless stdin.
      prompt: [{ type: "text", text: wellFormed(this.#request.message) }],
    });
    const settled = await Promise.race<Settled>([
      prompt.then(
        (response) => ({ response }),
        (error: unknown) => ({ error }),
      ),
      ready.process.ended.then((exit) => ({ exit })),
      new Promise<Settled>((resolve) => {
        this.#onInterrupted = () => resolve({ interrupted: true });
      }),
    ]);
    const end = await this.#judgeSettled(ready, settled);
    if (this.#abandoned === undefined) return end;
    const error = abandonedError(this.#abandoned, this.#context.config.turnIdleTimeoutMs);
    return { ...end, abandoned: this.#abandoned, error: withRateLimit(error, this.#rateLimit) };
  }

  async #judgeSettled(ready: Ready, settled: Settled): Promise<AcpTurnEnd> {
    if ("interrupted" in settled) return { driver: "acp" };
    if ("response" in settled) {
      await stderrWrittenBefore();
      await this.#awaitFinalMetadata();
      return { driver: "acp", stopReason: settled.response.stopReason };
    }
    if ("error" in settled && settled.error instanceof acp.RequestError) {
      const error = `kiro-cli answered the prompt with an error: ${renderRequestError(settled.error)}`;
      return { driver: "acp", error: withRateLimit(error, this.#rateLimit) };
    }
    // The connection closed: kiro-cli is exiting (or has exited) mid-turn.
    const exit =
      "exit" in settled && settled.exit ? settled.exit : await ready.process.settle(this.#settleMs());
    return {
      driver: "acp",
      exit,
      error: withRateLimit(`${describeExit(exit)} during the turn`, this.#rateLimit),
    };
  }

  /** Kiro sends interim metadata frames during a turn; the final one may trail the answer a little. */
  async #awaitFinalMetadata(): Promise<void> {
    if (this.#mapper.metadataState !== "interim") return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#context.config.metadataGraceMs);
    });
    await Promise.race([this.#mapper.finalMetadata(), grace]);
    clearTimeout(timer);
  }

  #settleMs(): number {
    const { pipeDrainGraceMs, groupGoneTimeoutMs } = this.#context.config;
    return pipeDrainGraceMs + groupGoneTimeoutMs;
  }
}

/**
 * stderr is another pipe, with no ordering against stdout: lets what kiro-cli wrote to stderr
 * before answering (already in the pipe) reach the run before it ends. Two event-loop turns
 * cover reads that became ready in the same poll as the answer.
 */
async function stderrWrittenBefore(): Promise<void> {
  for (let i = 0; i < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
