import { env, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LOCAL_USER_ID } from "../../src/auth/authenticate.ts";
import { accountObjectName, newTaskId } from "../../src/ids.ts";
import { callTool, createSession, pollUntilDone, startTask } from "../helpers/mcp-client.ts";
import { connect } from "../worker/mcp.ts";

let client: Client;
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  await client.close();
});

it("never lets concurrent creates pass KIRO_MAX_SESSIONS, and then says which limit", async () => {
  const attempts = await Promise.all(
    Array.from({ length: 5 }, () => callTool<{ session_id: string }>(client, "kiro_session_create")),
  );
  const created = attempts.filter((attempt) => !attempt.isError);
  const refused = attempts.filter((attempt) => attempt.isError);
  expect(created).toHaveLength(3);
  for (const attempt of refused) expect(attempt.text).toContain("KIRO_MAX_SESSIONS");
  const listed = await callTool<{ sessions: unknown[] }>(client, "kiro_session_list");
  expect(listed.data.sessions).toHaveLength(3);

  // Ending one frees its place.
  await callTool(client, "kiro_session_end", { session_id: created[0]?.data.session_id });
  expect(await createSession(client)).toMatch(/^sess_/);
});

it("refuses a turn beyond KIRO_MAX_RUNNING_TASKS across sessions", async () => {
  const { sessions } = (
    await callTool<{ sessions: Array<{ session_id: string }> }>(client, "kiro_session_list")
  ).data;
  const [first, second, third] = sessions.map((session) => session.session_id);
  const hung = [await startTask(client, "@hang", first), await startTask(client, "@hang", second)];
  const refused = await callTool(client, "kiro_chat_async", { message: "hello", session_id: third });
  expect(refused.isError).toBe(true);
  expect(refused.text).toContain("KIRO_MAX_RUNNING_TASKS");
  for (const task of hung) await callTool(client, "kiro_task_cancel", { task_id: task.task_id });
  const allowed = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
    message: "@lines 1",
    session_id: third,
  });
  expect(allowed.isError, allowed.text).toBe(false);
  await pollUntilDone(client, allowed.data.task_id);
});

it("never lets concurrent starts pass KIRO_MAX_RUNNING_TASKS", async () => {
  const { sessions } = (
    await callTool<{ sessions: Array<{ session_id: string }> }>(client, "kiro_session_list")
  ).data;
  const attempts = await Promise.all(
    sessions.map((session) =>
      callTool<{ task_id: string }>(client, "kiro_chat_async", {
        message: "@hang",
        session_id: session.session_id,
      }),
    ),
  );
  const started = attempts.filter((attempt) => !attempt.isError);
  expect(started).toHaveLength(2);
  for (const attempt of started)
    await callTool(client, "kiro_task_cancel", { task_id: attempt.data.task_id });
});

async function sessionIds(): Promise<string[]> {
  const listed = await callTool<{ sessions: Array<{ session_id: string }> }>(client, "kiro_session_list");
  return listed.data.sessions.map((session) => session.session_id);
}

/** The Account's rows of running turns, read inside the object; `add` first writes made-up ones. */
function runningRows(add: Array<{ taskId: string; sessionId: string }> = []): Promise<string[]> {
  const account = env.ACCOUNT.getByName(accountObjectName(LOCAL_USER_ID));
  return runInDurableObject(account, (_instance, state) => {
    for (const row of add) {
      state.storage.sql.exec(
        "INSERT INTO running_tasks (task_id, session_id, started_at) VALUES (?, ?, ?)",
        row.taskId,
        row.sessionId,
        Date.now(),
      );
    }
    return state.storage.sql
      .exec<{ task_id: string }>("SELECT task_id FROM running_tasks ORDER BY task_id")
      .toArray()
      .map((row) => row.task_id);
  });
}

/** Until the sessions' end reports have arrived (they are sent as the turns end). */
async function runningRowsSettled(expected: string[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (JSON.stringify(await runningRows()) !== JSON.stringify([...expected].sort())) {
    if (Date.now() > deadline) throw new Error(`running rows: ${JSON.stringify(await runningRows())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("counts running turns in the Account: a row from the start, gone once the session reports the end", async () => {
  const [first, second] = await sessionIds();
  await runningRowsSettled([]);
  const hung = await startTask(client, "@hang", first);
  const quick = await startTask(client, "@lines 2", second);
  expect(await runningRows()).toContain(hung.task_id);
  await pollUntilDone(client, quick.task_id);
  await runningRowsSettled([hung.task_id]);
  await callTool(client, "kiro_task_cancel", { task_id: hung.task_id });
  await runningRowsSettled([]);
});

it("does not let a lost end report block the user: at the limit, the sessions say what still runs", async () => {
  const [first, second, third] = await sessionIds();
  if (!first || !second || !third) throw new Error("three sessions expected");
  const hung = await startTask(client, "@hang", first);
  // A turn of `second` whose end report was lost: the Account still counts it, and is at the limit.
  const lost = newTaskId(second);
  expect(await runningRows([{ taskId: lost, sessionId: second }])).toEqual([hung.task_id, lost].sort());
  const allowed = await startTask(client, "@hang", third);
  expect(await runningRows()).toEqual([hung.task_id, allowed.task_id].sort());
  // Both of those run: the limit holds.
  const refused = await callTool(client, "kiro_chat_async", { message: "hello", session_id: second });
  expect(refused.text).toContain("KIRO_MAX_RUNNING_TASKS");
  for (const task of [hung, allowed]) await callTool(client, "kiro_task_cancel", { task_id: task.task_id });
  await runningRowsSettled([]);
});

it("counts a start in flight once: concurrent starts up to the limit all start", async () => {
  const [first, second] = await sessionIds();
  // The second start comes 0, 3, 6 … ms after the first, so some arrive while the first is
  // under way in its session.
  for (let round = 0; round < 8; round++) {
    const attempts = await Promise.all(
      [first, second].map(async (session_id, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * round * 3));
        return callTool<{ task_id: string }>(client, "kiro_chat_async", { message: "@hang", session_id });
      }),
    );
    for (const attempt of attempts) expect(attempt.isError, attempt.text).toBe(false);
    for (const attempt of attempts)
      await callTool(client, "kiro_task_cancel", { task_id: attempt.data.task_id });
  }
});
