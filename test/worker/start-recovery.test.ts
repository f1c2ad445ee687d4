/**
 * A start cut off before it returned (the session object was reset while the runner was
 * starting the run) leaves a task recorded with no answer from the runner. The session asks the
 * runner about it, against the real runner: a run it accepted streams to its end; a run it never
 * heard of ends the task at once, saying nothing ran — never "lost" while a start is under way.
 */
import { env, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, inject, it } from "vitest";
import { newTaskId } from "../../src/ids.ts";
import { callTool, pollUntilDone, textOf } from "../helpers/mcp-client.ts";
import { connectEachTest } from "./mcp.ts";

const runnerUrl = inject("runnerUrl");
const runnerSecret = inject("runnerSecret");

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

/** A session with a task row as a start leaves it before the runner answers: no boot id yet. */
async function cutOffStart(message: string): Promise<{ sessionId: string; taskId: string }> {
  const session = await callTool<{ session_id: string }>(client, "kiro_session_create");
  expect(session.isError, session.text).toBe(false);
  const sessionId = session.data.session_id;
  const taskId = newTaskId(sessionId);
  const stub = env.KIRO_SESSION.getByName(`user:local/${sessionId}`);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(
      "INSERT INTO tasks (id, status, preview, message_bytes, run_id, created_at) VALUES (?, 'running', ?, ?, ?, ?)",
      taskId,
      message,
      message.length,
      taskId,
      Date.now(),
    );
  });
  return { sessionId, taskId };
}

it("streams a cut-off start to its end when the runner accepted the run", async () => {
  const message = "@lines 3";
  const { sessionId, taskId } = await cutOffStart(message);
  const started = await fetch(`${runnerUrl}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-kiro-runner-secret": runnerSecret },
    body: JSON.stringify({ run_id: taskId, session_key: sessionId, message, cwd: "" }),
  });
  expect(started.status).toBe(201);
  const { chunks, final } = await pollUntilDone(client, taskId);
  expect(final.status, final.error).toBe("completed");
  expect(textOf(chunks)).toContain("line 3");
});

it("ends a cut-off start the runner never heard of, saying nothing ran", async () => {
  const { taskId } = await cutOffStart("@lines 3");
  const { chunks, final } = await pollUntilDone(client, taskId);
  expect([final.status, final.reason]).toEqual(["failed", "runner_lost"]);
  expect(final.error).toBe(
    "The start of this task was cut off before the runner accepted it, so nothing ran. Send the message again.",
  );
  expect(chunks).toEqual([]);
});
