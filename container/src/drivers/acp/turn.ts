/**
 * One ACP turn on a session's warm kiro-cli: get the process and ACP session ready (the session
 * does that, serialized), send one `session/prompt`, map notifications to events while it is in
 * flight, and end when its response arrives — or when kiro-cli dies. session/prompt has no
 * timeout of its own: only the run's timeout (which stops the turn) bounds it.
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
import { wellFormed } from "../../text/well-formed.ts";
import type { AcpTurnEnd, TurnHandle, TurnRequest, TurnSink } from "../driver.ts";
import { describeExit, type StopReason } from "../verdict.ts";
import { CoalescingSink } from "./coalescing-sink.ts";
import { decidePermission } from "./permissions.ts";
import type { AcpProcess } from "./process.ts";
import { obj } from "./render.ts";
import { AcpUpdateMapper } from "./updates.ts";

/** What a turn (or a command) needs from its session's kiro-cli. */
export interface SessionWant {
  cwd: string;
  agent?: string | undefined;
  model?: string | undefined;
  /** Continue the session's conversation (the warm one, else the saved one); false starts anew. */
  resume: boolean;
  /** Use the warm process whatever its agent and directory (commands). */
  anyProcess?: boolean | undefined;
  cliPath: string;
  env: NodeJS.ProcessEnv;
}

/** A warm process with an open ACP session. */
export interface Ready {
  process: AcpProcess;
  sessionId: string;
}

/** Why kiro-cli could not be made ready; `end` says it the way a turn reports its end. */
export class AcpStartFailure extends Error {
  readonly end: Omit<AcpTurnEnd, "driver">;

  constructor(end: Omit<AcpTurnEnd, "driver">) {
    super(end.error ?? end.spawnError ?? "kiro-cli could not be started");
    this.name = "AcpStartFailure";
    this.end = end;
  }
}

/** The session side of a turn. */
export interface TurnHost {
  readonly config: RunnerConfig;
  ensureReady(want: SessionWant, notice: (text: string) => void, isStopped: () => boolean): Promise<Ready>;
  /** Kills the session's process (a turn stopped while it was starting). */
  kill(why: string): void;
  /** The turn is over; called before its exit is reported, so the session is free by then. */
  turnEnded(turn: AcpTurn): void;
}

type Settled = { response: acp.PromptResponse } | { error: unknown } | { exit: AcpTurnEnd["exit"] };

export class AcpTurn implements TurnHandle {
  private readonly host: TurnHost;
  private readonly request: TurnRequest;
  /** The run's sink behind a CoalescingSink: answer and thought chunks merge into fewer events. */
  private readonly sink: TurnSink;
  private readonly mapper: AcpUpdateMapper;
  private ready: Ready | undefined;
  private inFlight = false;
  private stopped = false;
  /** Kill the process group when the turn is over (stopped for a reason other than cancel). */
  private endProcess = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(host: TurnHost, request: TurnRequest, sink: TurnSink) {
    this.host = host;
    this.request = request;
    this.sink = new CoalescingSink(sink, host.config.maxEventTextBytes);
    this.mapper = new AcpUpdateMapper(this.sink);
  }

  /** Runs the turn to its end; the sink's end() is always called, exactly once. */
  async run(): Promise<void> {
    let end: AcpTurnEnd;
    try {
      end = await this.execute();
    } catch (error) {
      end =
        error instanceof AcpStartFailure
          ? { driver: "acp", ...error.end }
          : { driver: "acp", error: error instanceof Error ? error.message : String(error) };
    }
    clearTimeout(this.graceTimer);
    this.inFlight = false;
    const kiro = this.ready?.process;
    if (this.endProcess && kiro?.alive) end = { ...end, exit: await kiro.kill("run_stopped") };
    this.host.turnEnded(this);
    this.sink.end(end);
  }

  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endProcess = reason !== "cancelled";
    const ready = this.ready;
    if (!this.inFlight || ready === undefined) {
      this.host.kill("stopped_while_starting");
      return;
    }
    ready.process.agent.notify("session/cancel", { sessionId: ready.sessionId }).catch(() => undefined);
    this.graceTimer = setTimeout(
      () => void ready.process.kill("cancel_not_honoured"),
      this.host.config.cancelGraceMs,
    );
  }

  /** A notification from kiro-cli: only those of this turn's ACP session, while its prompt runs. */
  notification(method: string, params: unknown): void {
    if (!this.inFlight || this.ready === undefined) return;
    const sessionId = obj(params).sessionId;
    if (typeof sessionId === "string" && sessionId !== this.ready.sessionId) return;
    this.mapper.notification(method, params);
  }

  /** Answers a permission request by KIRO_TRUST and records the decision. */
  permission(request: acp.RequestPermissionRequest): acp.RequestPermissionResponse {
    const decision = decidePermission(this.host.config.trust, request);
    if (this.inFlight) this.sink.update("permission", decision.text, decision.data);
    return decision.response;
  }

  stderr(text: string): void {
    this.sink.stderr(text);
  }

  private async execute(): Promise<AcpTurnEnd> {
    const { request } = this;
    const want: SessionWant = { ...request, resume: request.resume === true };
    const ready = await this.host.ensureReady(
      want,
      (text) => this.sink.update("notice", text),
      () => this.stopped,
    );
    if (this.stopped) return { driver: "acp", error: "the turn was stopped before its prompt was sent" };
    this.ready = ready;
    this.inFlight = true;
    this.sink.accepted();
    const prompt = ready.process.agent.request("session/prompt", {
      sessionId: ready.sessionId,
      // Lone surrogates reach kiro-cli as U+FFFD, as they do through a headless stdin.
      prompt: [{ type: "text", text: wellFormed(request.message) }],
    });
    const settled = await Promise.race<Settled>([
      prompt.then(
        (response) => ({ response }),
        (error: unknown) => ({ error }),
      ),
      ready.process.ended.then((exit) => ({ exit })),
    ]);
    if ("response" in settled) {
      await stderrWrittenBefore();
      await this.awaitFinalMetadata();
      return { driver: "acp", stopReason: settled.response.stopReason };
    }
    if ("error" in settled && settled.error instanceof acp.RequestError) {
      return { driver: "acp", error: `kiro-cli answered the prompt with an error: ${settled.error.message}` };
    }
    // The connection closed: kiro-cli is exiting (or has exited) mid-turn.
    const exit =
      "exit" in settled && settled.exit ? settled.exit : await ready.process.settle(this.settleMs());
    return { driver: "acp", exit, error: `${describeExit(exit)} during the turn` };
  }

  /** Kiro sends interim metadata frames during a turn; the final one may trail the answer a little. */
  private async awaitFinalMetadata(): Promise<void> {
    if (this.mapper.metadataState !== "interim") return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.host.config.metadataGraceMs);
    });
    await Promise.race([this.mapper.finalMetadata(), grace]);
    clearTimeout(timer);
  }

  private settleMs(): number {
    return this.host.config.pipeDrainGraceMs + this.host.config.groupGoneTimeoutMs;
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
