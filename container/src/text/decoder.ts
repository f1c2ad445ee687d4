/**
 * Streaming UTF-8 decoding: a multi-byte character split across two reads is held back until its
 * last byte arrives, so decoded text never contains a broken character. Invalid bytes become
 * U+FFFD, as in any UTF-8 decoder.
 */
import { StringDecoder } from "node:string_decoder";

export class Utf8StreamDecoder {
  readonly #decoder = new StringDecoder("utf8");

  /** Decodes one read; bytes of an unfinished character wait for the next call. */
  write(chunk: Buffer): string {
    return this.#decoder.write(chunk);
  }

  /** Ends the stream: an unfinished character left at the end becomes U+FFFD. */
  end(): string {
    return this.#decoder.end();
  }
}
