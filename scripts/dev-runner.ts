/**
 * The host runner of `npm run dev`: started on a free loopback port, and kept there. A runner
 * that exits on its own (a crash, an out-of-memory kill) is restarted on the same port with the
 * same secret, so `wrangler dev` keeps reaching it; the Worker sees the new boot id and ends the
 * turns the old runner was running as runner_lost. Whatever a runner that is gone left running
 * (kiro-cli and the tools it started) is reaped from its ledger first (owned-groups.ts), and once
 * more when `npm run dev` stops. After RESTARTS_IN_A_ROW failed restarts it gives up.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../container/src/config.ts";
import { reapLeftovers } from "../container/src/process/owned-groups.ts";

/** Restarts that end before the runner listens, in a row, before `npm run dev` gives up. */
const RESTARTS_IN_A_ROW = 3;
/** Pause before a restart: a runner that crashes at once does not spin. */
const RESTART_DELAY_MS = 1_000;
/** SIGTERM first; SIGKILL when the runner has not exited after this long. */
const STOP_GRACE_MS = 10_000;

export interface DevRunnerOptions {
  root: string;
  secret: string;
  workspaceRoot: string;
  /** Places in the workspace no workspace operation may reach (the dev state directory). */
  protectedPaths: string[];
  say(message: string): void;
  /** The runner could not be kept running. */
  gaveUp(): void;
}

export class DevRunner {
  readonly #options: DevRunnerOptions;
  readonly #env: NodeJS.ProcessEnv;
  #child: ChildProcess | undefined;
  #port = 0;
  #failures = 0;
  #stopping = false;

  constructor(options: DevRunnerOptions) {
    this.#options = options;
    this.#env = {
      ...process.env,
      KIRO_RUNNER_MODE: "host",
      KIRO_RUNNER_SECRET: options.secret,
      KIRO_WORKSPACE_ROOT: options.workspaceRoot,
      KIRO_PROTECTED_PATHS: [process.env.KIRO_PROTECTED_PATHS, ...options.protectedPaths]
        .filter(Boolean)
        .join(path.delimiter),
    };
  }

  /** Starts the runner; resolves with its URL once it listens, rejects if it exits first. */
  async start(): Promise<string> {
    const child = spawn(process.execPath, [path.join(this.#options.root, "container/src/main.ts")], {
      cwd: this.#options.root,
      env: { ...this.#env, PORT: String(this.#port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#child = child;
    const url = await listening(child);
    this.#port = Number(new URL(url).port);
    this.#failures = 0;
    child.once("exit", (code, signal) => void this.#exited(code, signal));
    return url;
  }

  /** Stops the runner (SIGTERM, then SIGKILL) and reaps whatever it left. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.#reap();
  }

  async #exited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.#stopping) return;
    this.#options.say(`runner exited (${signal ?? `code ${code}`}); restarting it on port ${this.#port}.`);
    this.#reap();
    while (!this.#stopping && this.#failures < RESTARTS_IN_A_ROW) {
      await sleep(RESTART_DELAY_MS);
      if (this.#stopping) return;
      try {
        await this.start();
        this.#options.say("runner restarted; turns it was running ended as runner_lost.");
        return;
      } catch (error) {
        this.#failures += 1;
        this.#options.say(`runner restart failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (!this.#stopping) this.#options.gaveUp();
  }

  /** Stops what runners that are gone left running (their ledgers are in the state directory). */
  #reap(): void {
    try {
      const reaped = reapLeftovers(loadConfig(this.#env).stateDir);
      if (reaped > 0) this.#options.say(`stopped ${reaped} process group(s) a runner left behind.`);
    } catch (error) {
      this.#options.say(
        `could not reap the runner's leftovers: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** The runner's "listening" line's URL; rejects when it exits before printing one. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const exit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`the runner exited (${signal ?? `code ${code}`}) before listening`));
    child.once("exit", exit);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event !== "listening" || !event.url) return;
        child.off("exit", exit);
        resolve(event.url);
      } catch {
        process.stdout.write(`${line}\n`);
      }
    });
  });
}
