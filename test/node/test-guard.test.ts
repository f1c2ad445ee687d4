/**
 * The guard `npm test` runs each vitest process under (scripts/test/watched-run.ts): a process
 * silent for too long is stopped with its whole process group and run once more; output keeps
 * it alive; a failure is never run again.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Outcome, runWatched, runWithOneRetry } from "../../scripts/test/watched-run.ts";

const STALL_MS = 600;

function watched(program: string, stallMs = STALL_MS) {
  const output: string[] = [];
  const outcome = runWatched({
    command: process.execPath,
    args: ["-e", program],
    cwd: process.cwd(),
    stallMs,
    stdout: (data) => output.push(data.toString()),
    stderr: (data) => output.push(data.toString()),
  });
  return { outcome, output };
}

/** Whether `pid` still runs: a zombie (killed, not yet reaped) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("runWatched", () => {
  it("passes a process that exits 0 and fails one that exits otherwise", async () => {
    expect(await watched(`console.log("ok")`).outcome).toBe("passed");
    expect(await watched("process.exit(3)").outcome).toBe("failed");
  });

  it("keeps a process that writes now and then, however long it runs", async () => {
    const run = watched(
      `let n = 0; const t = setInterval(() => { console.log(n++); if (n === 12) clearInterval(t); }, ${STALL_MS / 4});`,
    );
    expect(await run.outcome).toBe("passed");
    expect(run.output.join("")).toContain("11");
  });

  it("stops a silent process and everything it started, and says so", async () => {
    const run = watched(
      `const { spawn } = require("node:child_process");
       const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
       console.log("grandchild " + child.pid);
       setInterval(() => {}, 1000);`,
    );
    const began = Date.now();
    expect(await run.outcome).toBe("stalled");
    expect(Date.now() - began).toBeGreaterThanOrEqual(STALL_MS);
    const text = run.output.join("");
    expect(text).toMatch(/printed nothing for 0\.6 s: stalled; stopping it/);
    const grandchild = Number(/grandchild (\d+)/.exec(text)?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    // SIGKILL went to the whole group: the grandchild is gone too.
    await expect.poll(() => alive(grandchild), { timeout: 5_000 }).toBe(false);
  });
});

describe("runWithOneRetry", () => {
  const sequence = (outcomes: Outcome[]) => {
    let calls = 0;
    return {
      run: async () => outcomes[calls++] ?? "passed",
      calls: () => calls,
    };
  };

  it("runs a stalled run once more, and reports a second stall as stalled", async () => {
    let retries = 0;
    const once = sequence(["stalled", "passed"]);
    expect(await runWithOneRetry(once.run, () => retries++)).toBe("passed");
    expect(once.calls()).toBe(2);
    const twice = sequence(["stalled", "stalled", "passed"]);
    expect(await runWithOneRetry(twice.run, () => retries++)).toBe("stalled");
    expect(twice.calls()).toBe(2);
    expect(retries).toBe(2);
  });

  it("never runs a failure or a pass again", async () => {
    for (const outcome of ["failed", "passed"] as const) {
      const run = sequence([outcome, "passed"]);
      expect(await runWithOneRetry(run.run, () => expect.unreachable("no retry"))).toBe(outcome);
      expect(run.calls()).toBe(1);
    }
  });
});
