/**
 * `npm test`: the whole suite, every project of vitest.config.ts, in a few vitest processes run
 * one after another: one per workerd project, and one for the Node projects (node, e2e).
 *
 * Why: a vitest run of workerd projects (vitest-pool-workers) can stall for good: every test so
 * far passed, workerd sits idle and nothing more is printed (seen mostly in workers-auth, more
 * often with several workerd projects in one run; an open upstream report,
 * cloudflare/workers-sdk#15498, describes the same). Running each project's files in one isolate
 * (`isolate: false`, test/helpers/workers-project.ts) makes it rarer, not impossible. So each
 * workerd project gets a vitest process of its own, and a process that prints nothing
 * for STALL_MS is stopped (its whole process group) and run once more, saying so; a second stall
 * fails the run. Only a stall is run again, never a failure: a test that fails, or one that hangs
 * every time, fails the run.
 *
 * `npm test -- <vitest arguments>` runs one vitest process with exactly those arguments
 * (e.g. `npm test -- --project node test/node/redaction.test.ts`).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { TestProjectConfiguration } from "vitest/config";
import rootConfig from "../vitest.config.ts";

const root = path.resolve(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");

/** A vitest process that writes nothing for this long is stalled (the slowest file takes ~1 min). */
const STALL_MS = 3 * 60_000;

type Outcome = "passed" | "failed" | "stalled";

interface ProjectEntry {
  name: string;
  workerd: boolean;
}

/** Every project of the root config, by name, and whether it runs in workerd. */
async function projects(): Promise<ProjectEntry[]> {
  const entries = (rootConfig.test?.projects ?? []) as TestProjectConfiguration[];
  return Promise.all(
    entries.map(async (entry) => {
      if (typeof entry === "string") {
        const loaded = (await import(path.join(root, entry))) as { default: { test?: { name?: unknown } } };
        const name = loaded.default.test?.name;
        if (typeof name !== "string") throw new Error(`${entry} names no project (test.name)`);
        return { name, workerd: entry.startsWith("test/worker") };
      }
      const name = "test" in entry ? entry.test?.name : undefined;
      if (typeof name !== "string")
        throw new Error("every inline project in vitest.config.ts needs a test.name string");
      return { name, workerd: false };
    }),
  );
}

/** Signals a process group that may have ended already. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** The running vitest's process group, stopped with this process. */
let running: number | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (running !== undefined) signalGroup(running, "SIGTERM");
    process.exit(1);
  });
}

/** Runs one vitest process (in its own process group). */
function runVitest(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running = child.pid;
    let timer: NodeJS.Timeout | undefined;
    let stalled = false;
    const stop = () => {
      stalled = true;
      process.stderr.write(
        `\ntest: vitest ${args.join(" ")} printed nothing for ${STALL_MS / 60_000} minutes: stalled; stopping it\n`,
      );
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    };
    const progress = () => {
      clearTimeout(timer);
      timer = setTimeout(stop, STALL_MS);
    };
    child.stdout.on("data", (data: Buffer) => {
      process.stdout.write(data);
      progress();
    });
    child.stderr.on("data", (data: Buffer) => {
      process.stderr.write(data);
      progress();
    });
    progress();
    child.once("exit", (code) => {
      running = undefined;
      clearTimeout(timer);
      resolve(stalled ? "stalled" : code === 0 ? "passed" : "failed");
    });
  });
}

/** The groups to run: each workerd project alone, then the Node projects together. */
function groups(all: ProjectEntry[]): string[][] {
  const workerd = all.filter((project) => project.workerd).map((project) => [project.name]);
  const node = all.filter((project) => !project.workerd).map((project) => project.name);
  return node.length > 0 ? [...workerd, node] : workerd;
}

async function main(): Promise<number> {
  const passThrough = process.argv.slice(2);
  if (passThrough.length > 0) return (await runVitest(passThrough)) === "passed" ? 0 : 1;

  const failed: string[] = [];
  for (const group of groups(await projects())) {
    const label = group.join(", ");
    process.stdout.write(`\n━━ test: ${label}\n`);
    const args = group.flatMap((name) => ["--project", name]);
    let outcome = await runVitest(args);
    if (outcome === "stalled") {
      process.stdout.write(`\n━━ test: ${label} stalled; running it once more\n`);
      outcome = await runVitest(args);
    }
    if (outcome !== "passed") failed.push(outcome === "stalled" ? `${label} (stalled twice)` : label);
  }
  if (failed.length > 0) {
    process.stderr.write(`\ntest: failed: ${failed.join("; ")}\n`);
    return 1;
  }
  process.stdout.write("\ntest: every project passed\n");
  return 0;
}

process.exitCode = await main();
