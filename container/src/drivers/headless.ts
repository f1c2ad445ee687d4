/**
 * The headless driver: one `kiro-cli chat --no-interactive` process per turn.
 *
 * kiro-cli is spawned from an argument array (never a shell) as the leader of its own process
 * group, with the message written to stdin and stdin closed; ProcessLifecycle reports the end
 * once the process, its pipes and its group are gone, and the driver's verdict says what that
 * exit means (decideHeadlessVerdict). Headless kiro-cli has no slash commands and keeps nothing
 * warm, so the session operations are trivial or `unsupported`.
 *
 * KIRO_TRUST becomes kiro-cli's trust flags (HEADLESS_TRUST_FLAGS). Headless kiro-cli cannot ask
 * anyone, so a tool it does not trust is refused by kiro-cli itself: the turn goes on (kiro-cli
 * tells the model the tool was denied) and usually still exits 0.
 */
import { spawn } from "node:child_process";
import type { TrustPolicy } from "../config.ts";
import { errnoCode, RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { type ProcessEnd, ProcessLifecycle } from "../process/lifecycle.ts";
import { spawnUser } from "../process/run-as.ts";
import type { CommandResponse } from "../protocol/index.ts";
import { Utf8StreamDecoder } from "../text/decoder.ts";
import type { RunFacts, TurnDriver, TurnEnd, TurnHandle, TurnRequest, TurnSink, Verdict } from "./driver.ts";
import { failed, meaningOf, spawnFailed, stderrSuffix, stoppedVerdict } from "./verdict.ts";

export interface HeadlessOptions {
  logger: Logger;
  /** KIRO_TRUST. */
  trust: TrustPolicy;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
}

/**
 * kiro-cli's tools that only read, trusted under KIRO_TRUST=read-only: the names Kiro's CLI
 * documentation gives its built-in file read, glob and grep tools (kiro.dev/docs/cli/reference/
 * built-in-tools; older releases called the read tool `fs_read`). Web fetch and search are left
 * out: their names could not be confirmed, and an unknown name only earns a warning on stderr.
 * The ACP driver judges requests by the tool's kind instead (acp/permissions.ts).
 */
export const HEADLESS_READ_ONLY_TOOLS = ["read", "glob", "grep"] as const;

/**
 * kiro-cli's trust flags for each KIRO_TRUST policy:
 *   all        → --trust-all-tools
 *   read-only  → --trust-tools=read,glob,grep
 *   deny       → --trust-tools= (kiro-cli's documented "trust no tools"; reports on kiro-cli 2.x
 *                say it prints a warning about a tool named "" and keeps the tools its default
 *                agent trusts in the working directory, reads among them)
 *   ask        → as read-only, the rule `ask` falls back to (the configuration refuses `ask`
 *                with the headless driver, which cannot ask anyone)
 */
export const HEADLESS_TRUST_FLAGS: Record<TrustPolicy, string> = {
  all: "--trust-all-tools",
  "read-only": `--trust-tools=${HEADLESS_READ_ONLY_TOOLS.join(",")}`,
  deny: "--trust-tools=",
  ask: `--trust-tools=${HEADLESS_READ_ONLY_TOOLS.join(",")}`,
};

/** kiro-cli's arguments for one headless turn. */
export function headlessArgs(
  turn: Pick<TurnRequest, "agent" | "model" | "resume">,
  trust: TrustPolicy,
): string[] {
  const args = ["chat", "--no-interactive", HEADLESS_TRUST_FLAGS[trust]];
  if (turn.agent !== undefined) args.push("--agent", turn.agent);
  if (turn.model !== undefined) args.push("--model", turn.model);
  if (turn.resume === true) args.push("--resume");
  return args;
}

const COMMANDS_UNSUPPORTED =
  "slash commands need the ACP driver (KIRO_DRIVER=acp); headless kiro-cli has none";

export class HeadlessDriver implements TurnDriver {
  readonly #options: HeadlessOptions;

  constructor(options: HeadlessOptions) {
    this.#options = options;
  }

  assertCanStart(): void {}

  /** Spawns kiro-cli for the turn; output is decoded here and cleaned by the run. */
  startTurn(request: TurnRequest, sink: TurnSink): TurnHandle {
    const { logger } = this.#options;
    const child = spawn(request.cliPath, headlessArgs(request, this.#options.trust), {
      cwd: request.cwd,
      env: request.env,
      ...spawnUser(request.user),
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout = new Utf8StreamDecoder();
    const stderr = new Utf8StreamDecoder();
    const lifecycle = new ProcessLifecycle(
      child,
      { ...this.#options, label: { run_id: request.runId } },
      {
        spawned: () => sink.accepted(),
        exit: (exit) => {
          sink.output(stdout.end());
          sink.stderr(stderr.end());
          sink.end(headlessEnd(exit));
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

  /** Headless kiro-cli has no slash commands: refused before the request is even checked. */
  async command(): Promise<CommandResponse> {
    throw new RunnerFault("unsupported", COMMANDS_UNSUPPORTED);
  }

  async reset(): Promise<void> {}

  async endSession(): Promise<void> {}

  warmProcesses(): number {
    return 0;
  }

  async shutdown(): Promise<void> {}
}

export interface HeadlessVerdictInput extends Omit<RunFacts, "activity"> {
  exit: ProcessEnd;
}

/**
 * What a headless kiro-cli's exit means. Its exit status alone is not enough: exit 0 with
 * nothing on stdout is a failure (an invalid API key does exactly that).
 */
export function decideHeadlessVerdict(input: HeadlessVerdictInput): Verdict {
  const stopped = stoppedVerdict(input);
  if (stopped !== undefined) return stopped;
  const { code, signal, spawnError } = input.exit;
  if (spawnError !== undefined) return spawnFailed(spawnError);
  if (signal !== null) {
    return failed(`kiro-cli was killed by signal ${signal}${stderrSuffix(input.stderrTail)}`);
  }
  if (code === 0) {
    if (input.hasOutput) return { status: "completed", reason: "exited" };
    return failed(
      `kiro-cli exited 0 without output (check that KIRO_API_KEY is valid)${stderrSuffix(input.stderrTail)}`,
    );
  }
  return failed(`kiro-cli exited with code ${code}${meaningOf(code)}${stderrSuffix(input.stderrTail)}`);
}

function headlessEnd(exit: ProcessEnd): TurnEnd {
  return { exit, verdict: (facts) => decideHeadlessVerdict({ ...facts, exit }) };
}
