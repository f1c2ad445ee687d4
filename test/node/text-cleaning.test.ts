import { describe, expect, it } from "vitest";
import { splitUtf8, tailUtf8 } from "../../container/src/protocol/index.ts";
import { AnsiStripper, stripAnsi } from "../../container/src/text/ansi.ts";
import { OutputCleaner } from "../../container/src/text/cleaner.ts";
import { Utf8StreamDecoder } from "../../container/src/text/decoder.ts";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";

/** [raw, clean] pairs the stripper must agree with, whole and split anywhere. */
const ANSI_CASES: [string, string][] = [
  ["plain text", "plain text"],
  ["\x1b[31mred\x1b[0m", "red"],
  ["\x1b[1;38;5;141mbold violet\x1b[m!", "bold violet!"],
  ["a\x1b[2Kb\x1b[10;20Hc", "abc"],
  ["\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"],
  ["title\x1b]0;my title\x07done", "titledone"],
  ["link \x1b]8;;https://kiro.dev\x1b\\kiro\x1b]8;;\x1b\\ end", "link kiro end"],
  ["\x1bP1$r0m\x1b\\dcs gone", "dcs gone"],
  ["save\x1b7restore\x1b8 charset\x1b(Bok", "saverestore charsetok"],
  ["line1\r\nline2\n", "line1\nline2\n"],
  ["50%\r75%\r100%\n", "50%\n75%\n100%\n"],
  ["\x1b[2K\rprogress\r\n", "\nprogress\n"],
  ["tab\there\x07 bell\x08 bs\x7f del", "tab\there bell bs del"],
  ["\u009b31mc1 csi\u009b0m", "c1 csi"],
  ["héllo 🚀 日本語 \x1b[32mgrün\x1b[0m", "héllo 🚀 日本語 grün"],
  ["\x1b[31", ""],
  ["esc at end \x1b", "esc at end "],
];

/** Feeds `raw` to a fresh stripper cut at `cuts` and joins what comes out. */
function stripInPieces(raw: string, cuts: number[]): string {
  const stripper = new AnsiStripper();
  const out: string[] = [];
  let start = 0;
  for (const cut of [...cuts, raw.length]) {
    out.push(stripper.push(raw.slice(start, cut)));
    start = cut;
  }
  return out.join("") + stripper.end();
}

describe("ANSI stripper", () => {
  it.each(ANSI_CASES)("strips %j", (raw, clean) => {
    expect(stripAnsi(raw)).toBe(clean);
  });

  it("gives the same text however the input is split in two", () => {
    for (const [raw, clean] of ANSI_CASES) {
      for (let cut = 0; cut <= raw.length; cut += 1) {
        expect(stripInPieces(raw, [cut]), `${JSON.stringify(raw)} cut at ${cut}`).toBe(clean);
      }
    }
  });

  it("gives the same text when fed one character at a time", () => {
    for (const [raw, clean] of ANSI_CASES) {
      const cuts = Array.from({ length: raw.length }, (_, i) => i);
      expect(stripInPieces(raw, cuts)).toBe(clean);
    }
  });

  it("returns finished text immediately instead of holding it back", () => {
    const stripper = new AnsiStripper();
    expect(stripper.push("before \x1b[3")).toBe("before ");
    expect(stripper.push("1mafter")).toBe("after");
  });

  it("gives up on an unterminated OSC string rather than swallowing the rest forever", () => {
    const stripped = stripAnsi(`\x1b]0;${"t".repeat(70_000)} visible`);
    expect(stripped.endsWith(" visible")).toBe(true);
  });
});

describe("UTF-8 stream decoder", () => {
  const text = "aé€🚀 日本語 ñ";
  const bytes = Buffer.from(text, "utf8");

  it("never breaks a character, wherever the bytes are split", () => {
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const decoder = new Utf8StreamDecoder();
      const first = decoder.write(bytes.subarray(0, cut));
      const second = decoder.write(bytes.subarray(cut));
      expect(first + second + decoder.end(), `cut at ${cut}`).toBe(text);
      expect(first).not.toContain("\uFFFD");
    }
  });

  it("decodes byte by byte", () => {
    const decoder = new Utf8StreamDecoder();
    const parts = [...bytes].map((byte) => decoder.write(Buffer.from([byte])));
    expect(parts.join("") + decoder.end()).toBe(text);
    expect(parts.join("")).not.toContain("\uFFFD");
  });

  it("turns a character cut off at the end into U+FFFD", () => {
    const decoder = new Utf8StreamDecoder();
    expect(decoder.write(Buffer.from([0x61, 0xf0, 0x9f]))).toBe("a");
    expect(decoder.end()).toBe("\uFFFD");
  });
});

describe("output cleaner (decode + strip)", () => {
  const raw = Buffer.from("\x1b[1mhé\x1b]0;t\x07llo\x1b[0m 🚀\r\n日本\x1b[32m語\x1b[0m\n", "utf8");
  const clean = "héllo 🚀\n日本語\n";

  it("cleans correctly for every pair of split points", () => {
    for (let a = 0; a <= raw.length; a += 1) {
      for (let b = a; b <= raw.length; b += 1) {
        const cleaner = new OutputCleaner();
        const parts = [raw.subarray(0, a), raw.subarray(a, b), raw.subarray(b)].map((part) =>
          cleaner.write(part),
        );
        expect(parts.join("") + cleaner.end(), `cuts ${a},${b}`).toBe(clean);
      }
    }
  });

  it("reproduces the stub's @bytes text exactly, fed in uneven reads", () => {
    const { raw: big, clean: expected } = stubBytesOutput(200_000);
    const cleaner = new OutputCleaner();
    const parts: string[] = [];
    for (let offset = 0, size = 1; offset < big.length; offset += size, size = (size * 7 + 3) % 997) {
      parts.push(cleaner.write(big.subarray(offset, offset + size)));
    }
    expect(parts.join("") + cleaner.end()).toBe(expected);
  });
});

describe("UTF-8 byte bounds", () => {
  it("splits on character boundaries within the byte limit", () => {
    const text = "ab🚀c日本語🚀".repeat(50);
    for (const max of [4, 5, 7, 64]) {
      const pieces = splitUtf8(text, max);
      expect(pieces.join("")).toBe(text);
      for (const piece of pieces) {
        expect(Buffer.byteLength(piece, "utf8")).toBeLessThanOrEqual(max);
        expect(Buffer.from(piece, "utf8").toString("utf8")).toBe(piece);
      }
    }
  });

  it("returns no pieces for empty text and one for short text", () => {
    expect(splitUtf8("", 10)).toEqual([]);
    expect(splitUtf8("short", 10)).toEqual(["short"]);
  });

  it("keeps the longest whole-character tail", () => {
    expect(tailUtf8("abc🚀", 4)).toBe("🚀");
    expect(tailUtf8("abc🚀", 5)).toBe("c🚀");
    expect(tailUtf8("abc🚀", 3)).toBe("");
    expect(tailUtf8("日本語", 6)).toBe("本語");
  });
});
