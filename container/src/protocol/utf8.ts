/**
 * UTF-8 sizes and cuts that never split a character, computed on JavaScript strings: no Buffer
 * and no TextEncoder, so the Worker and the runner run the same code. A surrogate pair is one
 * 4-byte character; a lone surrogate counts as the 3-byte U+FFFD an encoder writes for it.
 */

/** UTF-8 length of `text` in bytes. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const width = charAt(text, i);
    bytes += width.bytes;
    i += width.units;
  }
  return bytes;
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes each, on character boundaries:
 * no pieces for "", one for text that fits. A character wider than `maxBytes` is a piece alone.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const width = charAt(text, i);
    if (bytes + width.bytes > maxBytes && i > start) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += width.bytes;
    i += width.units;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/** The first piece splitUtf8 would cut from `text`, and whether anything was cut. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (utf8Bytes(text) <= maxBytes) return { text, truncated: false };
  return { text: splitUtf8(text, maxBytes)[0] ?? "", truncated: true };
}

/** The longest suffix of `text` that fits in `maxBytes` UTF-8 bytes. */
export function tailUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = text.length;
  while (i > 0) {
    const low = text.charCodeAt(i - 1);
    const pair = i > 1 && isLowSurrogate(low) && isHighSurrogate(text.charCodeAt(i - 2));
    const start = pair ? i - 2 : i - 1;
    const width = charAt(text, start).bytes;
    if (bytes + width > maxBytes) break;
    bytes += width;
    i = start;
  }
  return text.slice(i);
}

/** UTF-8 width and UTF-16 length of the character starting at index `i`. */
function charAt(text: string, i: number): { bytes: number; units: number } {
  const code = text.charCodeAt(i);
  if (code < 0x80) return ONE_BYTE;
  if (code < 0x800) return TWO_BYTES;
  if (isHighSurrogate(code) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
    return SURROGATE_PAIR;
  }
  return THREE_BYTES;
}

const ONE_BYTE = { bytes: 1, units: 1 } as const;
const TWO_BYTES = { bytes: 2, units: 1 } as const;
const THREE_BYTES = { bytes: 3, units: 1 } as const;
const SURROGATE_PAIR = { bytes: 4, units: 2 } as const;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
