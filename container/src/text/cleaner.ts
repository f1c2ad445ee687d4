/**
 * Turns what kiro-cli writes into clean text: UTF-8 decoded without broken characters (bytes
 * from a pipe), terminal escapes removed, and secrets redacted even when a secret is split
 * across reads. One cleaner per stream, fed every piece in order, ended once.
 */
import { AnsiStripper } from "./ansi.ts";
import { Utf8StreamDecoder } from "./decoder.ts";
import { Redactor, type StreamRedactor } from "./redact.ts";

/** Cleans a stream of already decoded text (ACP message chunks, decoded pipe output). */
export class TextCleaner {
  readonly #stripper = new AnsiStripper();
  readonly #redactor: StreamRedactor;

  constructor(redactor: Redactor = new Redactor([])) {
    this.#redactor = redactor.stream();
  }

  /** Cleans one piece; may return "" when the piece held only escapes or a possible secret's start. */
  push(text: string): string {
    return this.#redactor.push(this.#stripper.push(text));
  }

  /** Cleans whatever the stream left unfinished. */
  end(): string {
    return this.#redactor.push(this.#stripper.end()) + this.#redactor.end();
  }
}

/** Cleans a stream of raw bytes (a pipe). */
export class OutputCleaner {
  readonly #decoder = new Utf8StreamDecoder();
  readonly #text: TextCleaner;

  constructor(redactor: Redactor = new Redactor([])) {
    this.#text = new TextCleaner(redactor);
  }

  /** Cleans one read; may return "" when the read held only escapes or part of a character. */
  write(chunk: Buffer): string {
    return this.#text.push(this.#decoder.write(chunk));
  }

  /** Cleans whatever the stream left unfinished. */
  end(): string {
    return this.#text.push(this.#decoder.end()) + this.#text.end();
  }
}
