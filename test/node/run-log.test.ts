import { describe, expect, it } from "vitest";
import { RunnerFault } from "../../container/src/errors.ts";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { RunLog } from "../../container/src/runs/run-log.ts";

const exitEvent = {
  type: "exit",
  status: "completed",
  reason: "exited",
  exit_code: 0,
  signal: null,
  stderr_tail: "",
  output_bytes: 0,
} as const;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RunnerFault ? error.code : "other";
  }
  return undefined;
}

describe("run log", () => {
  it("numbers events from 1 without gaps and reads after any seq", () => {
    const log = new RunLog(1_000_000);
    for (let i = 0; i < 5; i += 1) log.append({ type: "output", text: `t${i}` });
    expect(log.lastSeq).toBe(5);
    expect(log.readAfter(0).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.readAfter(3).map((event) => event.seq)).toEqual([4, 5]);
    expect(log.readAfter(5)).toEqual([]);
  });

  it("evicts the oldest events over budget and says so to a reader that needs them", () => {
    const log = new RunLog(1_000);
    for (let i = 0; i < 50; i += 1) log.append({ type: "output", text: "x".repeat(100) });
    const retained = log.readAfter(log.lastSeq - 1);
    expect(retained).toHaveLength(1);
    expect(codeOf(() => log.readAfter(0))).toBe("events_evicted");
    const first = 50 - 4; // about 1000 / (100 + overhead) events fit
    const events = log.readAfter(first - 1);
    expect(events.map((event) => event.seq)).toEqual(
      Array.from({ length: 50 - first + 1 }, (_, i) => first + i),
    );
  });

  it("always keeps the newest event, even when it alone is over budget", () => {
    const log = new RunLog(10);
    log.append({ type: "output", text: "a".repeat(100) });
    log.append({ type: "output", text: "b".repeat(100) });
    expect(log.readAfter(1).map((event) => event.seq)).toEqual([2]);
  });

  it("rejects a cursor beyond the end of an open log, and answers nothing for a closed one", () => {
    const log = new RunLog(1_000);
    log.append({ type: "output", text: "a" });
    expect(codeOf(() => log.readAfter(2))).toBe("bad_request");
    log.append(exitEvent);
    expect(log.readAfter(7)).toEqual([]);
  });

  it("tells followers about new events and closes after the exit event", () => {
    const log = new RunLog(1_000);
    const seen: RunEvent[] = [];
    const unsubscribe = log.follow((event) => seen.push(event));
    log.append({ type: "stderr", text: "warn" });
    log.append(exitEvent);
    expect(seen.map((event) => event.type)).toEqual(["stderr", "exit"]);
    expect(log.isClosed).toBe(true);
    expect(() => log.append({ type: "output", text: "late" })).toThrow();
    unsubscribe();
  });

  it("stops calling a follower that unsubscribed", () => {
    const log = new RunLog(1_000);
    const seen: number[] = [];
    const unsubscribe = log.follow((event) => seen.push(event.seq));
    log.append({ type: "output", text: "1" });
    unsubscribe();
    log.append({ type: "output", text: "2" });
    expect(seen).toEqual([1]);
  });

  it("stays correct across many evictions (compaction of the retained window)", () => {
    const log = new RunLog(5_000);
    for (let i = 1; i <= 5_000; i += 1) log.append({ type: "output", text: String(i) });
    const last = log.readAfter(4_990);
    expect(last.map((event) => (event.type === "output" ? event.text : ""))).toEqual(
      Array.from({ length: 10 }, (_, i) => String(4_991 + i)),
    );
  });
});
