/** Bounding a wait: `withTimeout` rejects with TimeoutError when `promise` takes longer than `ms`. */

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
