import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COALESCE_WINDOW_MS, CoalescingSink } from "../../container/src/drivers/acp/coalescing-sink.ts";
import type { AcpTurnEnd } from "../../container/src/drivers/acp/types.ts";
import type { TurnSink } from "../../container/src/drivers/driver.ts";
import type { RunEvent, RunSummary } from "../../container/src/protocol/index.ts";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import {
  exitOf,
  readEvents,
  request,
  runToEnd,
  startRun,
  textOf,
  updatesOf,
} from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const KEY = "ksk_coalesce_0123456789abcdefghij";
const MAX_EVENT_BYTES = 64 * 1024;

let acp: RunnerProcess;
let headless: RunnerProcess;

beforeAll(async () => {
  [acp, headless] = await Promise.all([
    startRunner({ env: { KIRO_DRIVER: "acp", KIRO_API_KEY: KEY } }),
    startRunner({ env: { KIRO_DRIVER: "headless" } }),
  ]);
});

afterAll(async () => {
  await Promise.all([acp?.stop(), headless?.stop()]);
});

const outputs = (events: RunEvent[]) => events.filter((event) => event.type === "output");

/**
 * Event types (update kinds for updates), a run of consecutive output or thought events as one:
 * how text is merged depends on timing, the order of what it is merged with does not.
 */
function shape(events: RunEvent[]): string[] {
  const kinds = events.map((event) => (event.type === "update" ? event.kind : event.type));
  return kinds.filter((kind, i) => !["output", "thought"].includes(kind) || kinds[i - 1] !== kind);
}

describe("ACP answer text in fewer events", () => {
  it("delivers a 5 MB answer exactly in at most twice the events headless needs", async () => {
    const { clean } = stubBytesOutput(5_000_000);
    const events = await runToEnd(acp, { message: "@bytes 5000000", session_key: "bulk" });
    expect(textOf(events) === clean).toBe(true);
    for (const event of outputs(events)) {
      expect(Buffer.byteLength(event.text)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    }
    expect(exitOf(events)).toMatchObject({ status: "completed", output_bytes: Buffer.byteLength(clean) });
    const viaHeadless = await runToEnd(headless, { message: "@bytes 5000000" });
    expect(textOf(viaHeadless) === clean).toBe(true);
    expect(outputs(events).length).toBeLessThanOrEqual(2 * outputs(viaHeadless).length);
    expect(events.length).toBeLessThan(300);
  });

  it("keeps text and updates in the order kiro-cli sent them", async () => {
    const events = await runToEnd(acp, {
      message: "@lines 3\n@tool Read X\n@lines 3\n@thought first\n@thought second\n@lines 1",
      session_key: "order",
    });
    expect(shape(events)).toEqual([
      "output",
      "tool_call",
      "tool_call_update",
      "output",
      "thought",
      "output",
      "exit",
    ]);
    const tool = events.findIndex((event) => event.type === "update");
    const thought = events.findIndex((event) => event.type === "update" && event.kind === "thought");
    expect(textOf(events.slice(0, tool))).toBe("line 1\nline 2\nline 3\n");
    expect(textOf(events.slice(tool, thought))).toBe("line 1\nline 2\nline 3\n");
    expect(textOf(events.slice(thought))).toBe("line 1\n");
    expect(
      updatesOf(events, "thought")
        .map((event) => event.text)
        .join(""),
    ).toBe("firstsecond");
  });

  it("still delivers a slow trickle line by line, as it is written", async () => {
    const events = await runToEnd(acp, { message: "@lines 5\n@delay 200\n@stamp", session_key: "trickle" });
    const lines = outputs(events);
    expect(lines.map((event) => event.text.replace(/ t=\d+/, ""))).toEqual([
      "line 1\n",
      "line 2\n",
      "line 3\n",
      "line 4\n",
      "line 5\n",
    ]);
    for (const event of lines) {
      const written = Number(/t=(\d+)/.exec(event.text)?.[1]);
      expect(event.at - written).toBeLessThan(COALESCE_WINDOW_MS + 75);
    }
    expect(exitOf(events).at - (lines[0]?.at ?? 0)).toBeGreaterThan(700);
  });

  it("redacts a key split across chunks and across merged events", async () => {
    const events = await runToEnd(acp, {
      message: `@chunk 3\n@echo-env KIRO_API_KEY\n@thought the key is ${KEY}`,
      session_key: "secret",
    });
    expect(textOf(events)).toBe("KIRO_API_KEY=[redacted]\n");
    expect(
      updatesOf(events, "thought")
        .map((event) => event.text)
        .join(""),
    ).toBe("the key is [redacted]");
    // Pieces 5 ms apart outlast the window: the text reached the run in several pieces.
    expect(outputs(events).length + updatesOf(events, "thought").length).toBeGreaterThan(2);
    expect(JSON.stringify(events)).not.toContain(KEY.slice(0, 5));
  });

  it("keeps every byte sent before a cancel, then the exit event", async () => {
    const { clean } = stubBytesOutput(1_000_000);
    const runId = await startRun(acp, { message: "@bytes 1000000\n@hang", session_key: "cancel" });
    const events: RunEvent[] = [];
    let cancelled: Promise<unknown> | undefined;
    for await (const event of readEvents(acp, runId)) {
      events.push(event);
      cancelled ??= request<RunSummary>(acp, "POST", `/runs/${runId}/cancel`);
    }
    expect((await cancelled) as { body: RunSummary }).toMatchObject({ body: { status: "cancelled" } });
    expect(exitOf(events)).toMatchObject({ status: "cancelled", reason: "cancelled" });
    expect(textOf(events) === clean).toBe(true);
  });
});

/** Records what a CoalescingSink hands on, as [call, text]. */
function recorder(): { sink: TurnSink; calls: string[][] } {
  const calls: string[][] = [];
  const sink: TurnSink = {
    output: (text) => calls.push(["output", text]),
    stderr: (text) => calls.push(["stderr", text]),
    update: (kind, text, data) => calls.push([kind, text, ...(data === undefined ? [] : ["data"])]),
    metadata: () => calls.push(["metadata"]),
    accepted: () => calls.push(["accepted"]),
    end: () => calls.push(["end"]),
  };
  return { sink, calls };
}

const END: AcpTurnEnd = { driver: "acp", stopReason: "end_turn" };

describe("CoalescingSink", () => {
  it("hands the first piece on at once, then merges until another call or the end", () => {
    const { sink, calls } = recorder();
    const coalescing = new CoalescingSink(sink, 1024, 60_000);
    for (const piece of ["a", "b", "c"]) coalescing.output(piece);
    coalescing.update("tool_call", "⚙ tool", { id: 1 });
    coalescing.output("d");
    coalescing.output("e");
    coalescing.stderr("warn");
    coalescing.output("f");
    coalescing.update("thought", "t1");
    coalescing.update("thought", "t2");
    coalescing.update("thought", "with data", { x: 1 });
    coalescing.output("g");
    coalescing.metadata({});
    coalescing.output("h");
    coalescing.end(END);
    expect(calls).toEqual([
      ["output", "a"],
      ["output", "bc"],
      ["tool_call", "⚙ tool", "data"],
      ["output", "de"],
      ["stderr", "warn"],
      ["output", "f"],
      ["thought", "t1t2"],
      ["thought", "with data", "data"],
      ["metadata"],
      ["output", "gh"],
      ["end"],
    ]);
  });

  it("never merges past maxBytes; a piece that big on its own goes alone", () => {
    const { sink, calls } = recorder();
    const coalescing = new CoalescingSink(sink, 8, 60_000);
    for (const piece of ["x", "1234", "5678", "ab", "é€", "0123456789", "z"]) coalescing.output(piece);
    coalescing.end(END);
    expect(calls).toEqual([
      ["output", "x"],
      ["output", "12345678"],
      ["output", "abé€"],
      ["output", "0123456789"],
      ["output", "z"],
      ["end"],
    ]);
  });

  it("hands merged text on when the window closes", async () => {
    const { sink, calls } = recorder();
    const coalescing = new CoalescingSink(sink, 1024, 20);
    coalescing.output("a");
    coalescing.output("b");
    coalescing.output("c");
    expect(calls).toEqual([["output", "a"]]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toEqual([
      ["output", "a"],
      ["output", "bc"],
    ]);
    coalescing.output("d");
    expect(calls.at(-1)).toEqual(["output", "d"]);
    coalescing.end(END);
  });
});
