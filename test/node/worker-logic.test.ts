/** The Worker's pure logic, tested directly: chunking, output caps, scheduling, durations, ids. */
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { splitUtf8, truncateUtf8, utf8Bytes } from "../../container/src/protocol/index.ts";
import { isSessionId, newSessionId, newTaskId, sessionIdOfTask } from "../../src/ids.ts";
import { capChunks, chunksFromEvents } from "../../src/session/chunks.ts";
import { nextAlarmAt } from "../../src/session/schedule.ts";
import { duration } from "../../src/util/duration.ts";

const at = 1_700_000_000_000;
let seq = 0;
const output = (text: string): RunEvent => ({ seq: ++seq, at, type: "output", text });
const stderr = (text: string): RunEvent => ({ seq: ++seq, at, type: "stderr", text });

describe("chunksFromEvents", () => {
  it("coalesces consecutive text of one kind and keeps kinds apart", () => {
    const chunks = chunksFromEvents([output("a"), output("b"), stderr("!"), output("c")], 1024);
    expect(chunks.map((c) => [c.kind, c.content])).toEqual([
      ["text", "ab"],
      ["stderr", "!"],
      ["text", "c"],
    ]);
  });

  it("keeps each structured update as its own chunk with its data", () => {
    const update: RunEvent = {
      seq: ++seq,
      at,
      type: "update",
      kind: "tool_call",
      text: "⚙ Read",
      data: { id: 1 },
    };
    const chunks = chunksFromEvents([output("x"), update, update], 1024);
    expect(chunks.map((c) => c.kind)).toEqual(["text", "tool_call", "tool_call"]);
    expect(chunks[1]?.data).toBe('{"id":1}');
  });

  it("never makes a chunk bigger than the limit, nor splits a character", () => {
    const text = "日本語🚀".repeat(1000);
    const chunks = chunksFromEvents([output(text)], 100);
    expect(chunks.every((c) => utf8Bytes(c.content) <= 100)).toBe(true);
    expect(chunks.map((c) => c.content).join("")).toBe(text);
    expect(chunks.some((c) => c.content.includes("\uFFFD"))).toBe(false);
  });
});

describe("capChunks", () => {
  const chunk = (content: string) => {
    const [made] = chunksFromEvents([output(content)], 1 << 20);
    if (!made) throw new Error("no chunk");
    return made;
  };

  it("cuts at the cap and adds one notice", () => {
    const { kept, notice } = capChunks([chunk("12345"), chunk("67890")], 0, 7);
    expect([...kept, ...(notice ? [notice] : [])].map((c) => [c.kind, c.content.slice(0, 6)])).toEqual([
      ["text", "12345"],
      ["text", "67"],
      ["notice", "Output"],
    ]);
  });

  it("stores nothing more once the cap was reached", () => {
    expect(capChunks([chunk("x")], 7, 7)).toEqual({ kept: [], notice: undefined });
  });

  it("passes everything through under the cap", () => {
    const { kept, notice } = capChunks([chunk("abc")], 0, 100);
    expect(kept).toHaveLength(1);
    expect(notice).toBeUndefined();
  });
});

describe("utf8", () => {
  it("splits and truncates on character boundaries at every size", () => {
    const text = "aé日🚀".repeat(5);
    for (let max = 1; max <= 12; max++) {
      const pieces = splitUtf8(text, max);
      expect(pieces.join("")).toBe(text);
      const cut = truncateUtf8(text, max);
      expect(utf8Bytes(cut.text)).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut.text)).toBe(true);
    }
  });
});

describe("nextAlarmAt", () => {
  const base = {
    now: at,
    running: false,
    oldestEnded: null,
    lastActive: at,
    taskTtlMs: 3600_000,
    sessionIdleTtlMs: 86_400_000,
  };

  it("wakes soon while a task runs", () => {
    expect(nextAlarmAt({ ...base, running: true })).toBe(at + 15_000);
  });

  it("wakes when the oldest finished task expires, or when the session goes idle", () => {
    expect(nextAlarmAt({ ...base, oldestEnded: at - 1000 })).toBe(at + 3600_000 - 1000);
    expect(nextAlarmAt(base)).toBe(at + 86_400_000);
  });

  it("never schedules in the past", () => {
    expect(nextAlarmAt({ ...base, oldestEnded: at - 10 * 3600_000 })).toBe(at + 1000);
  });
});

describe("duration", () => {
  it.each([
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h", 3600_000],
    ["7d", 604_800_000],
    ["250ms", 250],
    ["30", 30_000],
  ])("reads %s", (raw, ms) => {
    expect(duration(raw, 1)).toBe(ms);
  });

  it.each(["", "soon", "-5m", "0", undefined])("falls back on %s", (raw) => {
    expect(duration(raw, 42)).toBe(42);
  });
});

describe("ids", () => {
  it("mints unguessable session and task ids that route to their session", () => {
    const session = newSessionId();
    expect(isSessionId(session)).toBe(true);
    const task = newTaskId(session);
    expect(sessionIdOfTask(task)).toBe(session);
    expect(newSessionId()).not.toBe(session);
  });

  it.each(["", "task_", "task_x_y", "../../etc", `task_${"a".repeat(26)}_${"b".repeat(25)}`])(
    "rejects the malformed task id %j",
    (id) => {
      expect(sessionIdOfTask(id)).toBeUndefined();
    },
  );
});
