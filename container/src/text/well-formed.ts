/**
 * Well-formed text: JSON strings (ACP) can carry lone surrogates, which no UTF-8 encoder can
 * represent. Every such surrogate becomes U+FFFD, as a UTF-8 encoder would write it, so what
 * the runner sends is the text a reader will decode.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD. */
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
