/**
 * How `npm run bench` and `npm run load` run: `main` under a time budget, stopped early by Ctrl-C,
 * `shutdown` always called, a non-zero exit code on failure, over budget or on SIGINT.
 */

import { messageOf } from "../../container/src/protocol/index.ts";
import type { DevServer } from "../../test/helpers/dev-server.ts";

export async function runBounded(
  name: string,
  budgetMs: number,
  main: () => Promise<void>,
  shutdown: () => Promise<void>,
): Promise<void> {
  const budget = setTimeout(() => {
    console.error(`${name}: over its ${budgetMs / 1000} s budget, stopping`);
    void shutdown().finally(() => process.exit(1));
  }, budgetMs);
  process.once("SIGINT", () => void shutdown().finally(() => process.exit(130)));
  try {
    await main();
  } catch (error) {
    console.error(`${name} failed: ${messageOf(error)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(budget);
    await shutdown();
  }
}

/** Stops the dev server (by its PID) and names any process it left behind (stop() kills those). */
export async function stopDevServer(dev: DevServer | undefined): Promise<void> {
  const exit = await dev?.stop();
  if (exit && exit.leftovers.length > 0) {
    console.error(`dev server left ${exit.leftovers.length} process(es) running (killed now):`);
    for (const ref of exit.leftovers) console.error(`  ${ref.pid} ${ref.command}`);
  }
}
