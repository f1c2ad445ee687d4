/**
 * The headless driver: one `kiro-cli chat --no-interactive` process per turn.
 *
 * kiro-cli is spawned from an argument array (never a shell) as the leader of its own process
 * group, with the message written to stdin and stdin closed; ProcessLifecycle reports the end
 * once the process, its pipes and its group are gone. Headless kiro-cli has no slash commands
 * and keeps nothing warm, so the session operations are trivial or `unsupported`.
 */
import { spawn } from "node:child_process";
import { errnoCode, RunnerError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { type ProcessEnd, ProcessLifecycle } from "./process-lifecycle.ts";
import type { CommandResponse } from "./protocol.ts";
import { Utf8StreamDecoder } from "./text-decoder.ts";
import type { TurnDriver, TurnHandle, TurnRequest, TurnSink } from "./turn.ts";

/** How a headless kiro-cli process ended. */
export type DriverExit = ProcessEnd;

export interface HeadlessOptions {
  logger: Logger;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
}

/** kiro-cli's arguments for one headless turn. */
export function headlessArgs(turn: Pick<TurnRequest, "agent" | "model" | "resume">): string[] {
  const args = ["chat", "--no-interactive", "--trust-all-tools"];
  if (turn.agent !== undefined) args.push("--agent", turn.agent);
  if (turn.model !== undefined) args.push("--model", turn.model);
  if (turn.resume === true) args.push("--resume");
  return args;
}

export const HEADLESS_COMMANDS_UNSUPPORTED =
  "slash commands need the ACP driver (KIRO_DRIVER=acp); headless kiro-cli has none";

export class HeadlessDriver implements TurnDriver {
  readonly name = "headless";
  readonly commands = false;
  private readonly options: HeadlessOptions;

  constructor(options: HeadlessOptions) {
    this.options = options;
  }

  assertCanStart(): void {}

  /** Spawns kiro-cli for the turn; output is decoded here and cleaned by the run. */
  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle {
    const { logger } = this.options;
    const child = spawn(request.cliPath, headlessArgs(request), {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout = new Utf8StreamDecoder();
    const stderr = new Utf8StreamDecoder();
    const lifecycle = new ProcessLifecycle(
      child,
      { ...this.options, label: { run_id: request.runId } },
      {
        spawned: () => sink.accepted(),
        exit: (exit) => {
          sink.output(stdout.end());
          sink.stderr(stderr.end());
          sink.end({ driver: "headless", exit });
        },
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => sink.output(stdout.write(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => sink.stderr(stderr.write(chunk)));
    child.stdin?.on("error", (error) => {
      // kiro-cli may exit before reading its input; its exit status tells what happened.
      logger.warn("stdin_write_failed", { run_id: request.runId, code: errnoCode(error) ?? "unknown" });
    });
    child.stdin?.end(request.message);
    logger.info("run_started", { run_id: request.runId, driver: "headless", pid: child.pid ?? null });
    return lifecycle;
  }

  async command(): Promise<CommandResponse> {
    throw new RunnerError("unsupported", HEADLESS_COMMANDS_UNSUPPORTED);
  }

  async reset(): Promise<void> {}

  async endSession(): Promise<void> {}

  warmProcesses(): number {
    return 0;
  }

  async shutdown(): Promise<void> {}
}
