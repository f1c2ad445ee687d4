/**
 * Long-poll support: callers wait for "something changed on task X" with a deadline.
 * In memory on purpose: a waiter lives only as long as the request that waits.
 */
export class Waiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** Resolves when `key` is notified or after `timeoutMs`, whichever is first. */
  wait(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiting.get(key) ?? new Set();
      this.#waiting.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiting.get(key) === set) this.#waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  notify(key: string): void {
    for (const wake of [...(this.#waiting.get(key) ?? [])]) wake();
  }
}
