/**
 * Keeping secrets (KIRO_API_KEY's value, and the user's key each run brings) inside the runner:
 * every occurrence in text the runner sends is replaced with REDACTED. Text that streams in pieces can split a secret across two
 * pieces, so the streaming form holds back the end of a piece while it could still be the start
 * of a secret, and releases it with the next piece or at the end of the stream.
 */

export const REDACTED = "[redacted]";

/**
 * Most secrets learnt at run time (users' keys given with their runs) kept at once; the oldest
 * is forgotten first. A runner serves one user in a container and a few on a host.
 */
const MAX_LEARNT_SECRETS = 256;

/** Replaces whole occurrences of the secrets in complete strings and JSON values. */
export class Redactor {
  readonly #fixed: readonly string[];
  readonly #learnt = new Set<string>();
  #sorted: readonly string[];

  /** `secrets`: values to hide; empty strings are ignored. */
  constructor(secrets: readonly string[]) {
    this.#fixed = secrets.filter((secret) => secret !== "");
    this.#sorted = this.#sort();
  }

  /** The secrets, longest first, so a secret containing another is replaced whole. */
  get secrets(): readonly string[] {
    return this.#sorted;
  }

  /** Hides `secret` from now on, everywhere this redactor (or a stream of it) is used. */
  add(secret: string): void {
    if (secret === "" || this.#fixed.includes(secret)) return;
    const known = this.#learnt.delete(secret);
    this.#learnt.add(secret);
    if (known) return;
    for (const old of this.#learnt) {
      if (this.#learnt.size <= MAX_LEARNT_SECRETS) break;
      this.#learnt.delete(old);
    }
    this.#sorted = this.#sort();
  }

  #sort(): readonly string[] {
    return [...new Set([...this.#fixed, ...this.#learnt])].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced. */
  text(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** A copy of a JSON value with every string (keys included) redacted. */
  value(value: unknown): unknown {
    if (this.secrets.length === 0) return value;
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.value(item));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [this.text(key), this.value(item)]),
      );
    }
    return value;
  }

  /** A redactor for one stream of text pieces. */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

/** Redacts a stream of pieces: a secret split across pieces is still replaced. */
export class StreamRedactor {
  readonly #redactor: Redactor;
  #pending = "";

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** Redacts the next piece; returns the text that is final (the rest waits for more). */
  push(piece: string): string {
    if (this.#redactor.secrets.length === 0) return piece;
    const text = this.#redactor.text(this.#pending + piece);
    const keep = this.#heldBack(text);
    this.#pending = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** Ends the stream: what was held back cannot be a whole secret any more. */
  end(): string {
    const rest = this.#pending;
    this.#pending = "";
    return rest;
  }

  /** Length of the longest end of `text` that is a proper prefix of some secret. */
  #heldBack(text: string): number {
    let keep = 0;
    for (const secret of this.#redactor.secrets) {
      for (let length = Math.min(secret.length - 1, text.length); length > keep; length -= 1) {
        if (text.endsWith(secret.slice(0, length))) {
          keep = length;
          break;
        }
      }
    }
    return keep;
  }
}
