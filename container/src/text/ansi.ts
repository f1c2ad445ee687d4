/**
 * A streaming terminal-control stripper. Text arrives in arbitrary pieces, so an escape sequence
 * can start in one piece and end in another; the stripper keeps only its parse state between
 * pieces (never buffered text), so everything it can already decide is returned at once.
 *
 * Removed: CSI (`ESC [ … final`, C1 0x9b), OSC/DCS/SOS/PM/APC strings (`ESC ] … BEL | ESC \`),
 * two-character escapes (`ESC 7`, `ESC ( B` …), other C0/C1 controls and DEL.
 * Kept: `\n` and `\t`. Line endings: `\r\n` becomes `\n`, and a lone `\r` (a progress line being
 * rewritten in place) becomes `\n`, so each rewrite shows as its own line instead of run-together text.
 */

const ESC = 0x1b;
const BEL = 0x07;
const LF = 0x0a;
const CR = 0x0d;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
/** Characters that need a decision in plain text: C0 controls except TAB, DEL, C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this module's job.
const SPECIAL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
/** An OSC/DCS string longer than this is treated as garbage, not a sequence, and parsing resumes. */
const MAX_STRING_CHARS = 64 * 1024;

type State = "text" | "esc" | "escIntermediate" | "csi" | "string" | "stringEsc";

export class AnsiStripper {
  #state: State = "text";
  #stringChars = 0;
  #lastWasCr = false;

  /** Strips one piece of text; returns the clean text that is final so far. */
  push(text: string): string {
    const out: string[] = [];
    let i = 0;
    while (i < text.length) {
      if (this.#state === "text") {
        i = this.#scanText(text, i, out);
      } else if (this.#step(text.charCodeAt(i))) {
        i += 1;
      }
    }
    return out.join("");
  }

  /** Ends the stream: an unfinished escape sequence is dropped. */
  end(): string {
    this.#state = "text";
    return "";
  }

  /** Copies plain text up to the next special character and handles that character. */
  #scanText(text: string, start: number, out: string[]): number {
    SPECIAL.lastIndex = start;
    const match = SPECIAL.exec(text);
    const stop = match === null ? text.length : match.index;
    if (stop > start) {
      out.push(text.slice(start, stop));
      this.#lastWasCr = false;
    }
    if (stop === text.length) return stop;
    const code = text.charCodeAt(stop);
    if (code === CR) {
      out.push("\n");
      this.#lastWasCr = true;
    } else if (code === LF) {
      if (!this.#lastWasCr) out.push("\n");
      this.#lastWasCr = false;
    } else {
      this.#enterControl(code);
    }
    return stop + 1;
  }

  /** A control character in plain text: start a sequence or drop it. */
  #enterControl(code: number): void {
    if (code === ESC) this.#state = "esc";
    else if (code === C1_CSI) this.#state = "csi";
    else if (code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f) {
      this.#startString();
    }
  }

  /**
   * Advances a sequence by one character. Returns false when the character does not belong to
   * the sequence: the sequence is abandoned and the character is parsed again as plain text.
   */
  #step(code: number): boolean {
    switch (this.#state) {
      case "esc":
        return this.#stepEsc(code);
      case "escIntermediate":
        if (code >= 0x20 && code <= 0x2f) return true;
        return this.#finish(code >= 0x30 && code <= 0x7e);
      case "csi":
        if (code >= 0x20 && code <= 0x3f) return true;
        return this.#finish(code >= 0x40 && code <= 0x7e);
      case "string":
        return this.#stepString(code);
      case "stringEsc":
        if (code === 0x5c) return this.#finish(true);
        this.#state = "esc";
        return false;
      default:
        return false;
    }
  }

  #stepEsc(code: number): boolean {
    if (code === 0x5b) this.#state = "csi";
    else if (code === 0x5d || code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f) {
      this.#startString();
    } else if (code >= 0x20 && code <= 0x2f) this.#state = "escIntermediate";
    else if (code === ESC) this.#state = "esc";
    else return this.#finish(code >= 0x30 && code <= 0x7e);
    return true;
  }

  #stepString(code: number): boolean {
    if (code === BEL || code === C1_ST) return this.#finish(true);
    if (code === ESC) this.#state = "stringEsc";
    else if (++this.#stringChars > MAX_STRING_CHARS) this.#state = "text";
    return true;
  }

  #startString(): void {
    this.#state = "string";
    this.#stringChars = 0;
  }

  /** Back to plain text; `consumed` says whether the current character was part of the sequence. */
  #finish(consumed: boolean): boolean {
    this.#state = "text";
    return consumed;
  }
}

/** Strips a complete text in one go. */
export function stripAnsi(text: string): string {
  const stripper = new AnsiStripper();
  return stripper.push(text) + stripper.end();
}
