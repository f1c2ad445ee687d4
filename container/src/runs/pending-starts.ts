/**
 * Starts in progress: a POST /runs from the moment it arrives (its body not yet read, its run id
 * not yet known) until its run is registered or refused. A request naming a run the runner does
 * not know waits for them first, so "not found" means the runner has no such run, never "not
 * started yet" (a reader racing its own start, or a runner catching up after a freeze).
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Longest a lookup waits for starts in progress: reading a start's body is quick unless its sender stalls. */
const MAX_WAIT_MS = 10_000;

export class PendingStarts {
  readonly #pending = new Set<Promise<unknown>>();

  /** Runs `start`, counted as in progress until it settles. */
  track<T>(start: () => Promise<T>): Promise<T> {
    const running = start();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return running;
  }

  /** Resolves once every start in progress now has settled (or after MAX_WAIT_MS). */
  async settled(): Promise<void> {
    if (this.#pending.size === 0) return;
    const timer = sleep(MAX_WAIT_MS, undefined, { ref: false });
    await Promise.race([Promise.all([...this.#pending]), timer]);
  }
}
