/**
 * Reading a task back in pages: kiro_task_status's max_bytes bounds each answer (never fewer than
 * one chunk), has_more says when to ask again at once, the default page is the one it always was,
 * and a page costs the session object only its own rows, however much output follows it.
 */
import { env, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, it } from "vitest";
import { LIMITS } from "../../src/config.ts";
import type { NewChunk } from "../../src/session/chunks.ts";
import { SESSION_SCHEMA } from "../../src/session/schema.ts";
import { TaskStore } from "../../src/session/task-store.ts";
import { statusView } from "../../src/session/task-views.ts";
import { durableSql, migrate, type Sql } from "../../src/storage/sql.ts";
import { stubBytesOutput } from "../fixtures/stub-output.mjs";
import {
  callTool,
  createSession,
  pollUntilDone,
  type StatusLike,
  startTask,
  textOf,
} from "../helpers/mcp-client.ts";
import { connectEachTest } from "./mcp.ts";

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

const BYTES = 600_000;

it("pages a finished task by max_bytes, with has_more on every page but the last", async () => {
  const started = await startTask(client, `@bytes ${BYTES}`, await createSession(client));
  const whole = await pollUntilDone(client, started.task_id);
  const sizes = whole.chunks.map((chunk) => new TextEncoder().encode(chunk.content).length);
  const maxBytes = Math.max(...sizes) + 1; // so that pages hold one chunk or more

  const pages: StatusLike[] = [];
  const paged = await pollUntilDone(client, started.task_id, {
    maxBytes,
    onPoll: (status) => pages.push(status),
  });
  expect(textOf(paged.chunks)).toBe(stubBytesOutput(BYTES).clean);
  expect(pages.length).toBeGreaterThan(2);
  for (const [i, page] of pages.entries()) {
    const last = i === pages.length - 1;
    const bytes = page.new_chunks.reduce(
      (sum, chunk) => sum + new TextEncoder().encode(chunk.content).length,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    expect(page.new_chunks.length).toBeGreaterThan(0);
    expect(page.has_more).toBe(!last);
    expect(page.result === undefined).toBe(!last); // the answer comes with the last page only
  }

  // One byte still brings one chunk, so a reader always moves forward.
  const tiny = await callTool<StatusLike>(client, "kiro_task_status", {
    task_id: started.task_id,
    max_bytes: 1,
  });
  expect(tiny.data.new_chunks).toHaveLength(1);
  expect(tiny.data.has_more).toBe(whole.chunks.length > 1);

  // No max_bytes: the page it always was (LIMITS.MAX_STATUS_BYTES).
  const plain = await callTool<StatusLike>(client, "kiro_task_status", { task_id: started.task_id });
  const explicit = await callTool<StatusLike>(client, "kiro_task_status", {
    task_id: started.task_id,
    max_bytes: LIMITS.MAX_STATUS_BYTES,
  });
  expect(plain.data).toEqual(explicit.data);
});

it("refuses a max_bytes of 0 or over the largest page", async () => {
  for (const max_bytes of [0, LIMITS.MAX_STATUS_PAGE_BYTES + 1]) {
    const result = await callTool(client, "kiro_task_status", { task_id: "task_x", max_bytes });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("max_bytes");
  }
});

/** The session object's SQL, counting the rows each query hands over. */
function countingSql(inner: Sql, counter: { rows: number }): Sql {
  const counted = function* <T>(rows: Iterable<T>): Iterable<T> {
    for (const row of rows) {
      counter.rows++;
      yield row;
    }
  };
  return {
    ...inner,
    all: <T>(query: string, ...bindings: Parameters<Sql["all"]>[1][]) => [
      ...counted(inner.all<T>(query, ...bindings)),
    ],
    iterate: <T>(query: string, ...bindings: Parameters<Sql["all"]>[1][]) =>
      counted(inner.iterate<T>(query, ...bindings)),
  };
}

/** Runs `fn` in a fresh session object, on a TaskStore whose SQL counts the rows it hands over. */
function inCountedStore<T>(fn: (store: TaskStore, counter: { rows: number }) => T): Promise<T> {
  const stub = env.KIRO_SESSION.getByName(`pages-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_instance, state) => {
    const inner = durableSql(state.storage);
    migrate(inner, SESSION_SCHEMA);
    const counter = { rows: 0 };
    return fn(new TaskStore(countingSql(inner, counter)), counter);
  });
}

function textChunk(content: string): NewChunk {
  return { kind: "text", content, data: null, bytes: content.length, createdAt: 1 };
}

it("reads only a page's own rows, and only the answer's rows for result", async () => {
  const counts = await inCountedStore((store, counter) => {
    store.create("task_pages", "hello", 1);
    const chunk = textChunk("x".repeat(10_000));
    for (let batch = 0; batch < 40; batch++) {
      store.append(
        "task_pages",
        Array.from({ length: 10 }, () => chunk),
        batch + 1,
        1 << 30,
      );
    }
    counter.rows = 0;
    const page = store.readChunks("task_pages", 0, 50_000, LIMITS.MAX_STATUS_CHUNKS);
    const pageRows = counter.rows;
    counter.rows = 0;
    const answer = store.result("task_pages", 100_000);
    return { page: page.length, pageRows, answerBytes: answer.text.length, answerRows: counter.rows };
  });
  // 400 chunks stored: a 5-chunk page reads the 5 and the one that did not fit.
  expect(counts).toEqual({ page: 5, pageRows: 6, answerBytes: 100_000, answerRows: 11 });
});

it("reads a turn's answer once, when it ends, and nothing at all for polls at the end of its output", async () => {
  const reads = await inCountedStore((store, counter) => {
    store.create("task_end", "hello", 1);
    store.append("task_end", [textChunk("one "), textChunk("two ")], 1, 1 << 30);
    const row = () => store.get("task_end") ?? expect.unreachable("task row");
    // While the task runs its answer grows: it is read again every time.
    const running = [store.answer(row(), 100).text];
    store.append("task_end", [textChunk("three")], 2, 1 << 30);
    running.push(store.answer(row(), 100).text);
    counter.rows = 0;
    store.finish("task_end", { status: "completed", reason: "exited" }, 2, LIMITS.MAX_RESULT_BYTES);
    const finishRows = counter.rows;

    const polls = [];
    for (let poll = 0; poll < 3; poll++) {
      counter.rows = 0;
      const view = statusView(store, "sess_end", row(), 3);
      polls.push({ result: view.result, chunks: view.new_chunks.length, rowsRead: counter.rows });
    }
    // Another cut of the same answer is not the remembered one: it is read.
    counter.rows = 0;
    const shorter = store.answer(row(), 4).text;
    return { running, finishRows, polls, shorter, shorterRows: counter.rows };
  });
  expect(reads.running).toEqual(["one two ", "one two three"]);
  // Ending the turn reads the answer's three rows (for the conversation) and keeps it.
  expect(reads.finishRows).toBe(3);
  expect(reads.polls).toEqual([
    { result: "one two three", chunks: 0, rowsRead: 0 },
    { result: "one two three", chunks: 0, rowsRead: 0 },
    { result: "one two three", chunks: 0, rowsRead: 0 },
  ]);
  expect({ text: reads.shorter, rows: reads.shorterRows }).toEqual({ text: "one ", rows: 2 });
});
