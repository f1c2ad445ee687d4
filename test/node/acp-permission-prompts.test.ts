/**
 * KIRO_TRUST=ask on the real runner with the stand-in kiro-cli: a run started with
 * ask_permissions hands Kiro's permission requests to the client (an `asked` update with a key),
 * POST /runs/:id/permissions/:key delivers the answer back to Kiro, and a request nobody answers
 * is decided by the read-only rule after KIRO_PERMISSION_TIMEOUT_MS. The stand-in writes its
 * marker file only when it was allowed to.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PermissionData, RunEvent, UpdateEvent } from "../../container/src/protocol/index.ts";
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

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunner({
    env: { KIRO_DRIVER: "acp", KIRO_TRUST: "ask", KIRO_PERMISSION_TIMEOUT_MS: "1500" },
  });
});
afterAll(() => runner.stop());

/** Starts a run and reads its events until `until` says stop; returns the events and the run id. */
async function startAndWatch(message: string, until: (event: RunEvent) => boolean) {
  const runId = await startRun(runner, {
    message,
    session_key: `s-${Math.random().toString(36).slice(2)}`,
    ask_permissions: true,
  });
  const seen: RunEvent[] = [];
  for await (const event of readEvents(runner, runId)) {
    seen.push(event);
    if (until(event)) break;
  }
  return { runId, seen };
}

const asked = (event: RunEvent): event is UpdateEvent =>
  event.type === "update" &&
  event.kind === "permission" &&
  (event.data as PermissionData).decision === "asked";

async function answer(runId: string, key: string, optionId: string | null) {
  return request(runner, "POST", `/runs/${runId}/permissions/${key}`, { option_id: optionId });
}

function marker(name: string): string | null {
  const file = path.join(runner.workspaceRoot, name);
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

describe("KIRO_TRUST=ask", () => {
  it("hands a permission request to the client and gives Kiro its answer", async () => {
    const { runId, seen } = await startAndWatch("@guarded-write allowed.txt", asked);
    const request = seen.find(asked);
    expect(request?.text).toBe(
      "🔒 Kiro asks to edit: Write allowed.txt — waiting up to 1500 ms for the client's answer (KIRO_TRUST=ask)",
    );
    const data = request?.data as PermissionData;
    expect(data).toMatchObject({ decision: "asked", key: "permission-1", optionId: null, policy: "ask" });
    expect(data.request.options.map((option) => option.optionId)).toEqual([
      "allow-once",
      "allow-always",
      "reject-once",
    ]);
    expect(marker("allowed.txt")).toBeNull();

    expect(await answer(runId, "permission-1", "allow-once")).toEqual({ status: 200, body: {} });
    const events = await runToEndOf(runId);
    expect(exitOf(events).status).toBe("completed");
    expect(textOf(events)).toContain("permission edit: allow-once\nwrote allowed.txt");
    expect(updatesOf(events, "permission").map((event) => event.text)).toContain(
      "🔒 allowed edit: Write allowed.txt (answered by the client: Yes)",
    );
    expect(marker("allowed.txt")).toBe("written by the stand-in (allow-once)\n");
    // Answered: a second answer finds nothing waiting.
    expect((await answer(runId, "permission-1", "allow-once")).status).toBe(409);
  });

  it("lets the client refuse: Kiro is told no and writes nothing", async () => {
    const { runId } = await startAndWatch("@guarded-write refused.txt", asked);
    expect((await answer(runId, "permission-1", "not-an-option")).status).toBe(400);
    expect((await answer(runId, "permission-2", "allow-once")).status).toBe(409);
    expect((await answer(runId, "permission-1", "reject-once")).status).toBe(200);
    const events = await runToEndOf(runId);
    expect(textOf(events)).toContain("not written: refused.txt");
    expect(marker("refused.txt")).toBeNull();
  });

  it("decides by the read-only rule when the client does not answer in time", async () => {
    const { runId } = await startAndWatch(
      "@guarded-write unanswered.txt\n@permission read force",
      () => false,
    );
    const events = await runToEndOf(runId);
    expect(exitOf(events).status).toBe("completed");
    const decided = updatesOf(events, "permission").filter(
      (event) => (event.data as PermissionData).decision !== "asked",
    );
    expect(decided.map((event) => event.text)).toEqual([
      "🔒 rejected edit: Write unanswered.txt (KIRO_TRUST=ask, no answer within 1500 ms: read-only rule)",
      "🔒 allowed read: read something (KIRO_TRUST=ask, no answer within 1500 ms: read-only rule)",
    ]);
    expect(decided.map((event) => (event.data as PermissionData).by)).toEqual(["timeout", "timeout"]);
    expect(marker("unanswered.txt")).toBeNull();
  });

  it("keeps requests made at once apart, each under its own key", async () => {
    let count = 0;
    const { runId } = await startAndWatch(
      "@permissions edit,delete",
      (event) => asked(event) && ++count === 2,
    );
    expect((await answer(runId, "permission-2", "allow-once")).status).toBe(200);
    expect((await answer(runId, "permission-1", null)).status).toBe(200);
    const text = textOf(await runToEndOf(runId));
    expect(text).toContain("permission delete: allow-once");
    expect(text).toContain("permission edit: cancelled");
  });

  it("decides at once by the read-only rule where no client can answer", async () => {
    const events = await runToEnd(runner, { message: "@guarded-write nobody.txt", session_key: "no-client" });
    expect(updatesOf(events, "permission").map((event) => event.text)).toEqual([
      "🔒 rejected edit: Write nobody.txt (KIRO_TRUST=ask, no client can answer: read-only rule)",
    ]);
    expect(marker("nobody.txt")).toBeNull();
  });

  it("dismisses a waiting request when the run is cancelled", async () => {
    const { runId } = await startAndWatch("@guarded-write cancelled.txt", asked);
    await request(runner, "POST", `/runs/${runId}/cancel`);
    const events = await runToEndOf(runId);
    expect(exitOf(events).status).toBe("cancelled");
    expect(updatesOf(events, "permission").at(-1)?.text).toBe(
      "🔒 rejected edit: Write cancelled.txt (the turn ended before the client answered)",
    );
    expect((await answer(runId, "permission-1", "allow-once")).status).toBe(409);
    expect(marker("cancelled.txt")).toBeNull();
  });

  it("is refused with the headless driver, which cannot ask", async () => {
    const failure = await startRunner({ env: { KIRO_DRIVER: "headless", KIRO_TRUST: "ask" } }).catch(
      (error: Error) => error,
    );
    expect(String(failure)).toContain("KIRO_TRUST=ask needs KIRO_DRIVER=acp");
  });
});

async function runToEndOf(runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of readEvents(runner, runId)) events.push(event);
  return events;
}
