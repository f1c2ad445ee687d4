/**
 * One `kiro-cli acp` process and its ACP connection (@agentclientprotocol/sdk, client side).
 *
 * kiro-cli is spawned from an argument array as the leader of its own process group, with stdio
 * pipes; stdout/stdin carry newline-delimited JSON-RPC. Requests and responses go through the
 * SDK. Notifications are taken off the stream before the SDK sees them and handed over in
 * arrival order, raw: the SDK validates `session/update` against the stable ACP schema and drops
 * anything else with a console message, so a new Kiro update kind (or a field Kiro shapes
 * differently) would silently lose answer text; reading them here also guarantees that every
 * notification sent before the session/prompt response is handled before the turn ends.
 *
 * Every message kiro-cli writes (notification, request or response) and every stderr read counts
 * as activity: `lastActivityAt` is what the start-up and turn idle timeouts measure.
 */
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { errnoCode } from "../../errors.ts";
import type { LogFields, Logger } from "../../logger.ts";
import { type ProcessEnd, ProcessLifecycle } from "../../process/lifecycle.ts";
import { type RunAs, spawnUser } from "../../process/run-as.ts";
import { messageOf } from "../../protocol/index.ts";
import { Utf8StreamDecoder } from "../../text/decoder.ts";

export interface AcpProcessOptions {
  cliPath: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The user kiro-cli runs as; undefined: the runner's own. */
  user?: RunAs | undefined;
  label: LogFields;
  logger: Logger;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
}

export interface AcpProcessHandlers {
  /** Every notification from kiro-cli, in arrival order, as received. */
  notification(method: string, params: unknown): void;
  /** Answers `session/request_permission`: at once, or once a client answered (KIRO_TRUST=ask). */
  permission(
    request: acp.RequestPermissionRequest,
  ): acp.RequestPermissionResponse | Promise<acp.RequestPermissionResponse>;
  /** kiro-cli's stderr, decoded (not yet cleaned). */
  stderr(text: string): void;
}

export class AcpProcess {
  /** Calls kiro-cli's ACP methods. */
  readonly agent: acp.ClientContext;
  /** Resolves once the process, its pipes and its group are gone. */
  readonly ended: Promise<ProcessEnd>;
  readonly #lifecycle: ProcessLifecycle;
  readonly #spawnedOrEnded: Promise<ProcessEnd | undefined>;
  readonly #closeInput: () => void;
  #lastActivityAt = Date.now();

  constructor(options: AcpProcessOptions, handlers: AcpProcessHandlers) {
    const child = spawn(options.cliPath, options.args, {
      cwd: options.cwd,
      env: options.env,
      ...spawnUser(options.user),
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let onSpawned: () => void = () => {};
    const spawned = new Promise<undefined>((resolve) => {
      onSpawned = () => resolve(undefined);
    });
    let onEnded: (end: ProcessEnd) => void = () => {};
    this.ended = new Promise((resolve) => {
      onEnded = resolve;
    });
    this.#spawnedOrEnded = Promise.race([spawned, this.ended]);
    this.#lifecycle = new ProcessLifecycle(child, options, { spawned: onSpawned, exit: onEnded });
    const decoder = new Utf8StreamDecoder();
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#lastActivityAt = Date.now();
      handlers.stderr(decoder.write(chunk));
    });
    child.stdin?.on("error", (error) => {
      // kiro-cli went away while a message was being written; its exit says why.
      options.logger.warn("acp_stdin_failed", { ...options.label, code: errnoCode(error) ?? "unknown" });
    });
    this.#closeInput = () => child.stdin?.end();
    const stream = acp.ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));
    const onMessage = () => {
      this.#lastActivityAt = Date.now();
    };
    const readable = stream.readable.pipeThrough(notificationTap(handlers.notification, onMessage, options));
    const connection = acp
      .client({ name: "kiro-mcp-edge-runner" })
      .onRequest("session/request_permission", ({ params }) => handlers.permission(params))
      .connect({ readable, writable: stream.writable });
    this.agent = connection.agent;
  }

  get pid(): number | undefined {
    return this.#lifecycle.pid;
  }

  /** When kiro-cli last wrote anything (a message on stdout, or stderr), as Date.now(). */
  get lastActivityAt(): number {
    return this.#lastActivityAt;
  }

  /** True until the process and its group are gone. */
  get alive(): boolean {
    return this.#lifecycle.running;
  }

  /** Resolves when the process has started, or with its end when it could not start. */
  whenSpawned(): Promise<ProcessEnd | undefined> {
    return this.#spawnedOrEnded;
  }

  /** Closes stdin, sends SIGTERM to the group and SIGKILL after the grace period. */
  stop(): Promise<ProcessEnd> {
    this.#closeInput();
    this.#lifecycle.stop();
    return this.ended;
  }

  /** After the connection closed: waits for the process to end, killing it if it lingers past `maxMs`. */
  async settle(maxMs: number): Promise<ProcessEnd> {
    const timer = setTimeout(() => this.#lifecycle.kill("connection_closed"), maxMs);
    try {
      return await this.ended;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL to the group now. */
  kill(why: string): Promise<ProcessEnd> {
    this.#lifecycle.kill(why);
    return this.ended;
  }
}

type Message = acp.AnyMessage;

/**
 * Passes requests and responses to the SDK and hands every other notification to `handle`;
 * `seen` is told of every message.
 */
function notificationTap(
  handle: AcpProcessHandlers["notification"],
  seen: () => void,
  options: Pick<AcpProcessOptions, "label" | "logger">,
): TransformStream<Message, Message> {
  return new TransformStream<Message, Message>({
    transform(message, controller) {
      seen();
      const isNotification = "method" in message && !("id" in message);
      // `$/…` notifications (request cancellation) belong to the JSON-RPC layer itself.
      if (!isNotification || message.method.startsWith("$/")) {
        controller.enqueue(message);
        return;
      }
      try {
        handle(message.method, message.params);
      } catch (error) {
        const detail = messageOf(error);
        options.logger.error("acp_notification_failed", { ...options.label, method: message.method, detail });
      }
    },
  });
}
