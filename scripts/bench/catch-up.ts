/**
 * Catching up: a client that reconnects to a long task that already finished reads it back from
 * chunk 0, in pages (kiro_task_status max_bytes), as fast as the server hands them out.
 */
import { performance } from "node:perf_hooks";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { stubBytesOutput } from "../../test/fixtures/stub-output.mjs";
import { callTool, pollUntilDone, type StatusLike, textOf } from "../../test/helpers/mcp-client.ts";
import { startTask } from "./measures.ts";

export interface CatchUp {
  /** max_bytes of each page (undefined: the server's default). */
  maxBytes: number | undefined;
  /** UTF-8 bytes of chunk content read. */
  bytes: number;
  elapsedMs: number;
  pages: number;
  exact: boolean;
}

/** Runs `@bytes n` to its end without reading its output; returns the task id. */
export async function finishedBigTask(client: Client, sessionId: string, bytes: number): Promise<string> {
  const taskId = await startTask(client, sessionId, `@bytes ${bytes}`);
  for (;;) {
    // Past the last chunk: the long-poll answers when the task ends, with no chunks.
    const status = await callTool<StatusLike>(client, "kiro_task_status", {
      task_id: taskId,
      from_chunk_index: Number.MAX_SAFE_INTEGER,
      wait_ms: 20_000,
    });
    if (status.isError) throw new Error(`kiro_task_status failed: ${status.text}`);
    if (!status.data.is_done) continue;
    if (status.data.status !== "completed") throw new Error(`@bytes task ended ${status.data.status}`);
    return taskId;
  }
}

/** Reads the whole of `taskId` from chunk 0 in pages of `maxBytes`, checking the text exactly. */
export async function catchUp(
  client: Client,
  taskId: string,
  expectedBytes: number,
  maxBytes: number | undefined,
): Promise<CatchUp> {
  let bytes = 0;
  const begun = performance.now();
  const { chunks, polls } = await pollUntilDone(client, taskId, {
    waitMs: 0,
    deadlineMs: 120_000,
    ...(maxBytes !== undefined && { maxBytes }),
    onPoll: (status) => {
      for (const chunk of status.new_chunks) bytes += Buffer.byteLength(chunk.content, "utf8");
    },
  });
  const elapsedMs = performance.now() - begun;
  const exact = textOf(chunks) === stubBytesOutput(expectedBytes).clean;
  return { maxBytes, bytes, elapsedMs, pages: polls, exact };
}
