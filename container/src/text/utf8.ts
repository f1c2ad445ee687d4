/**
 * Byte-bounded pieces of text cut on character boundaries: never between the two halves of a
 * surrogate pair, so every piece is valid UTF-8 on its own. And well-formed text: JSON strings
 * (ACP) can carry lone surrogates, which no UTF-8 encoder can represent.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** A JSON value with every string (keys included) made well-formed. */
export function wellFormedValue(value: unknown): unknown {
  if (typeof value === "string") return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [wellFormed(key), wellFormedValue(item)]),
    );
  }
  return value;
}

/** Splits `text` into pieces of at most `maxBytes` UTF-8 bytes each (maxBytes >= 4). */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text === "" ? [] : [text];
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const width = charAt(text, i);
    if (bytes + width.bytes > maxBytes) {
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

/** The longest suffix of `text` that fits in `maxBytes` UTF-8 bytes. */
export function tailUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let bytes = 0;
  let i = text.length;
  while (i > 0) {
    const low = text.charCodeAt(i - 1);
    const pair = i > 1 && low >= 0xdc00 && low <= 0xdfff && isHighSurrogate(text.charCodeAt(i - 2));
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
  if (code < 0x80) return { bytes: 1, units: 1 };
  if (code < 0x800) return { bytes: 2, units: 1 };
  if (isHighSurrogate(code) && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
  }
  return { bytes: 3, units: 1 };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
