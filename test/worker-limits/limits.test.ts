import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
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
