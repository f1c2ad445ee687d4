import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../container/src/protocol/index.ts";
import { TextCleaner } from "../../container/src/text/cleaner.ts";
import { Redactor } from "../../container/src/text/redact.ts";
import { exitOf, request, runToEnd, textOf, updatesOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const KEY = "sk-live-0123456789abcdef";

/** Feeds `pieces` through one stream and returns what came out, end included. */
function streamed(redactor: Redactor, pieces: string[]): string {
  const stream = redactor.stream();
  return pieces.map((piece) => stream.push(piece)).join("") + stream.end();
}

describe("Redactor", () => {
  const redactor = new Redactor([KEY, "short-but-8"]);

  it("replaces a secret split at every possible point between two pieces", () => {
    const text = `before ${KEY} after`;
    for (let cut = 0; cut <= text.length; cut += 1) {
      expect(streamed(redactor, [text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toBe(
        "before [redacted] after",
      );
    }
  });

  it("replaces a secret that arrives one character at a time, and releases text that was not one", () => {
    expect(streamed(redactor, [...`${KEY}${KEY}x`])).toBe("[redacted][redacted]x");
    expect(streamed(redactor, ["value sk-live-01", "23 is not it"])).toBe("value sk-live-0123 is not it");
    expect(streamed(redactor, ["ends with sk-li"])).toBe("ends with sk-li");
  });

  it("holds back only what could still become a secret", () => {
    const stream = redactor.stream();
    expect(stream.push("plain text then sk-")).toBe("plain text then ");
    expect(stream.push("nothing")).toBe("sk-nothing");
  });

  it("redacts JSON values deeply, keys included, and leaves secrets under 8 characters alone", () => {
    expect(redactor.value({ [KEY]: [KEY, { deep: `a ${KEY}` }], n: 1 })).toEqual({
      "[redacted]": ["[redacted]", { deep: "a [redacted]" }],
      n: 1,
    });
    expect(new Redactor([]).text(KEY)).toBe(KEY);
  });

  it("sees a secret that terminal escapes split, because escapes are removed first", () => {
    const cleaner = new TextCleaner(redactor);
    const out =
      cleaner.push(`${KEY.slice(0, 5)}\x1b[1m`) + cleaner.push(`${KEY.slice(5)} done`) + cleaner.end();
    expect(out).toBe("[redacted] done");
  });
});

/** Everything the runner sent for a run, as one string. */
function sent(events: RunEvent[]): string {
  return JSON.stringify(events);
}

async function withRunner(driver: "acp" | "headless", body: (runner: RunnerProcess) => Promise<void>) {
  const runner = await startRunner({ env: { KIRO_DRIVER: driver, KIRO_API_KEY: KEY } });
  try {
    await body(runner);
  } finally {
    await runner.stop();
  }
  expect(runner.stderr()).not.toContain(KEY);
}

describe("KIRO_API_KEY never leaves the runner", () => {
  it("under ACP: output, stderr, thoughts, tool calls, errors and command output, split across chunks", async () => {
    await withRunner("acp", async (runner) => {
      const events = await runToEnd(runner, {
        message: `echo ${KEY}\n@chunk 3\n@echo-env KIRO_API_KEY\n@stderr-env KIRO_API_KEY\n@thought the key is ${KEY}\n@tool Read ${KEY}.txt\n@crash 9`,
        session_key: "secret",
      });
      expect(sent(events)).not.toContain(KEY);
      expect(textOf(events)).toContain("echo [redacted]\n");
      expect(textOf(events)).toContain("KIRO_API_KEY=[redacted]\n");
      expect(textOf(events, "stderr")).toBe("KIRO_API_KEY=[redacted]\n");
      expect(
        updatesOf(events, "thought")
          .map((event) => event.text)
          .join(""),
      ).toBe("the key is [redacted]");
      expect(updatesOf(events, "tool_call")[0]?.text).toContain("Read [redacted].txt");
      const exit = exitOf(events);
      expect(exit.error).toBe("kiro-cli exited with code 9 during the turn: KIRO_API_KEY=[redacted]");
      const command = await request(runner, "POST", "/sessions/secret/command", {
        command: `/nope ${KEY}`,
        cwd: "",
      });
      expect(JSON.stringify(command.body)).not.toContain(KEY);
      expect(JSON.stringify(command.body)).toContain("unknown command /nope [redacted]");
    });
  });

  it("under headless: stdout and stderr written in pieces, the stderr tail and the error", async () => {
    await withRunner("headless", async (runner) => {
      const events = await runToEnd(runner, {
        message: "@chunk 3\n@echo-env KIRO_API_KEY\n@stderr-env KIRO_API_KEY\n@exit 1",
      });
      expect(sent(events)).not.toContain(KEY);
      expect(textOf(events)).toBe("KIRO_API_KEY=[redacted]\n");
      expect(exitOf(events)).toMatchObject({
        stderr_tail: "KIRO_API_KEY=[redacted]\n",
        error: "kiro-cli exited with code 1: KIRO_API_KEY=[redacted]",
      });
    });
  });
});
