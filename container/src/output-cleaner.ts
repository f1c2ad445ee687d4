/**
 * Turns raw bytes from kiro-cli's stdout or stderr into clean text: UTF-8 decoded without broken
 * characters, then terminal escapes removed. One cleaner per stream, fed every read in order.
 */
import { AnsiStripper } from "./ansi.ts";
import { Utf8StreamDecoder } from "./text-decoder.ts";

export class OutputCleaner {
  private readonly decoder = new Utf8StreamDecoder();
  private readonly stripper = new AnsiStripper();

  /** Cleans one read; may return "" when the read held only escapes or part of a character. */
  write(chunk: Buffer): string {
    return this.stripper.push(this.decoder.write(chunk));
  }

  /** Cleans whatever the stream left unfinished. */
  end(): string {
    return this.stripper.push(this.decoder.end()) + this.stripper.end();
  }
}
