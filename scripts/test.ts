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
import path from "node:path";
import type { TestProjectConfiguration } from "vitest/config";
import rootConfig from "../vitest.config.ts";
import { type Outcome, runWatched, runWithOneRetry, signalGroup } from "./test/watched-run.ts";

const root = path.resolve(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");

/** A vitest process that writes nothing for this long is stalled (the slowest file takes ~1 min). */
const STALL_MS = 3 * 60_000;

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

/** The running vitest's process group, stopped with this process. */
let running: number | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (running !== undefined) signalGroup(running, "SIGTERM");
    process.exit(1);
  });
}

/** Runs one vitest process (in its own process group), watched for stalls. */
function runVitest(args: string[]): Promise<Outcome> {
  return runWatched({
    command: process.execPath,
    args: [vitest, "run", ...args],
    cwd: root,
    stallMs: STALL_MS,
    onGroup: (pid) => {
      running = pid;
    },
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
    const outcome = await runWithOneRetry(
      () => runVitest(args),
      () => process.stdout.write(`\n━━ test: ${label} stalled; running it once more\n`),
    );
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
