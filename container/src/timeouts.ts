/**
 * Bounding a wait: `withTimeout` rejects with TimeoutError when `promise` takes longer than `ms`;
 * `withIdleTimeout` only when nothing happens for `idleMs` — it measures progress, not wall time.
 */

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** `promise`, or a TimeoutError after `ms`; the promise itself is left to settle on its own. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `promise`, or a TimeoutError once `lastProgressAt()` (a Date.now() time) lies `idleMs` in the
 * past: every sign of progress moves the deadline. The promise itself is left to settle.
 */
export function withIdleTimeout<T>(
  promise: Promise<T>,
  idleMs: number,
  lastProgressAt: () => number,
): Promise<T> {
  const watch = new IdleWatch(idleMs, lastProgressAt);
  const timeout = new Promise<never>((_, reject) => {
    watch.start(() => reject(new TimeoutError(`nothing for ${idleMs} ms`)));
  });
  return Promise.race([promise, timeout]).finally(() => watch.stop());
}

/**
 * Calls `onIdle` once when `lastProgressAt()` falls `idleMs` behind the clock. One timer at a
 * time, re-armed for the remaining time when it fires after progress, so frequent progress costs
 * nothing per event.
 */
export class IdleWatch {
  readonly #idleMs: number;
  readonly #lastProgressAt: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs: number, lastProgressAt: () => number) {
    this.#idleMs = idleMs;
    this.#lastProgressAt = lastProgressAt;
  }

  start(onIdle: () => void): void {
    this.stop();
    const check = (): void => {
      const remaining = this.#lastProgressAt() + this.#idleMs - Date.now();
      if (remaining > 0) {
        this.#timer = setTimeout(check, remaining);
        return;
      }
      this.#timer = undefined;
      onIdle();
    };
    this.#timer = setTimeout(check, this.#idleMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
