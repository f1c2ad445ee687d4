/**
 * A child process watched for silence, for `npm test` (scripts/test.ts): one that writes nothing
 * for `stallMs` is stopped, its whole process group, and reported as stalled; a stalled run is run
 * once more, a failed one never.
 */
import { spawn } from "node:child_process";

export type Outcome = "passed" | "failed" | "stalled";

export interface WatchedCommand {
  command: string;
  args: string[];
  cwd: string;
  /** Silence, in ms, after which the process counts as stalled. */
  stallMs: number;
  /** Where its output goes (default: this process's stdout and stderr). */
  stdout?: (data: Buffer) => void;
  stderr?: (data: Buffer) => void;
  /** Told the pid of its process group when it starts and undefined when it ends. */
  onGroup?: (pid: number | undefined) => void;
}

/** Signals a process group that may have ended already. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Runs the command in a process group of its own; stalled when it is silent for stallMs. */
export function runWatched(run: WatchedCommand): Promise<Outcome> {
  const stdout = run.stdout ?? ((data: Buffer) => process.stdout.write(data));
  const stderr = run.stderr ?? ((data: Buffer) => process.stderr.write(data));
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, run.args, {
      cwd: run.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.once("error", reject);
    run.onGroup?.(child.pid);
    let timer: NodeJS.Timeout | undefined;
    let stalled = false;
    const stop = () => {
      stalled = true;
      stderr(
        Buffer.from(
          `\ntest: ${[run.command, ...run.args].join(" ")} printed nothing for ${run.stallMs / 1000} s: stalled; stopping it\n`,
        ),
      );
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    };
    const progress = () => {
      clearTimeout(timer);
      timer = setTimeout(stop, run.stallMs);
    };
    child.stdout.on("data", (data: Buffer) => {
      stdout(data);
      progress();
    });
    child.stderr.on("data", (data: Buffer) => {
      stderr(data);
      progress();
    });
    progress();
    child.once("exit", (code) => {
      run.onGroup?.(undefined);
      clearTimeout(timer);
      resolve(stalled ? "stalled" : code === 0 ? "passed" : "failed");
    });
  });
}

/** The run, and once more if it stalled: "stalled" then means it stalled twice. */
export async function runWithOneRetry(run: () => Promise<Outcome>, onRetry: () => void): Promise<Outcome> {
  const first = await run();
  if (first !== "stalled") return first;
  onRetry();
  return run();
}
