/**
 * A deadline for one runner call: it aborts its signal and rejects `race` when `ms` pass, and can
 * be pushed back (an event stream is given up after a stretch of silence, not after a total).
 * Racing matters as much as aborting: a fetch through a Durable Object stub (a container's)
 * does not always honour its request's signal, so the caller stops waiting either way.
 */
import { RunnerRequestError } from "./client.ts";

export class Deadline {
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #expired: RunnerRequestError | undefined;

  /** `outer` (a caller's signal) aborts this deadline's signal too, without counting as expiry. */
  constructor(outer?: AbortSignal) {
    outer?.addEventListener("abort", () => this.#controller.abort(), { once: true });
  }

  /** Aborted when the deadline passes or the outer signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The error the deadline ended with, once it has. */
  get expired(): RunnerRequestError | undefined {
    return this.#expired;
  }

  /** (Re)starts the countdown: `why` becomes the message of the unreachable error. */
  arm(ms: number, why: string): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.#expired = new RunnerRequestError("unreachable", why, 0);
      this.#controller.abort(this.#expired);
    }, ms);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  /** `promise`, or the unreachable error as soon as the deadline passes. */
  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.#controller.signal;
    const expiry = new Promise<never>((_, reject) => {
      const fail = () => reject(this.#expired ?? new RunnerRequestError("unreachable", "aborted", 0));
      if (signal.aborted) fail();
      else signal.addEventListener("abort", fail, { once: true });
    });
    return Promise.race([promise, expiry]);
  }
}
