import { describe, expect, it } from "vitest";
import type { TrustPolicy } from "../../container/src/config.ts";
import { headlessArgs } from "../../container/src/drivers/headless.ts";
import { exitOf, runToEnd, textOf } from "../helpers/runner-client.ts";
import { startRunner } from "../helpers/runner-process.ts";

const CASES: { env: string | undefined; policy: TrustPolicy; flag: string; seen: string }[] = [
  { env: "all", policy: "all", flag: "--trust-all-tools", seen: "all" },
  { env: "read-only", policy: "read-only", flag: "--trust-tools=read,glob,grep", seen: "read,glob,grep" },
  { env: "deny", policy: "deny", flag: "--trust-tools=", seen: "" },
  // Host mode (dev and tests) defaults to read-only.
  { env: undefined, policy: "read-only", flag: "--trust-tools=read,glob,grep", seen: "read,glob,grep" },
];

describe("KIRO_TRUST under the headless driver", () => {
  it.each(CASES)("KIRO_TRUST=$env → $flag", async ({ env, policy, flag, seen }) => {
    expect(headlessArgs({}, policy)).toEqual(["chat", "--no-interactive", flag]);
    const runner = await startRunner({ env: { KIRO_DRIVER: "headless", KIRO_TRUST: env } });
    try {
      const events = await runToEnd(runner, { message: "hello" });
      expect(exitOf(events).status).toBe("completed");
      // The stand-in kiro-cli names the trust it was given on its first line.
      expect(textOf(events).split("\n")[0]).toBe(
        `[kiro-cli stub] agent=default model=auto trust=${seen} resume=no`,
      );
    } finally {
      await runner.stop();
    }
  });
});
