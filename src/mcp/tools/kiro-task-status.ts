import { z } from "zod";
import { LIMITS } from "../../config.ts";
import { unwrap } from "../../errors.ts";
import { taskStatusSchema } from "../../session/views.ts";
import { sessionOfTask } from "../context.ts";
import { taskIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroTaskStatus = defineTool({
  name: "kiro_task_status",
  title: "Read a Kiro task's output",
  description:
    "Status of a task and its output from chunk from_chunk_index on. Poll with from_chunk_index = next_chunk_index of the previous answer to get only what is new. With wait_ms the call waits until new output exists or the task ends.",
  input: z.object({
    task_id: taskIdField,
    from_chunk_index: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .default(0)
      .describe("First chunk to return; use next_chunk_index from the previous poll"),
    wait_ms: z
      .number()
      .int()
      .min(0)
      .max(LIMITS.MAX_WAIT_MS)
      .default(0)
      .describe(`Wait up to this long (ms, at most ${LIMITS.MAX_WAIT_MS}) for new output before answering`),
    max_bytes: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.MAX_STATUS_PAGE_BYTES)
      .default(LIMITS.MAX_STATUS_BYTES)
      .describe(
        `Most bytes of chunks in this answer (default ${LIMITS.MAX_STATUS_BYTES}, at most ${LIMITS.MAX_STATUS_PAGE_BYTES}); always at least one chunk. has_more says whether more is ready`,
      ),
  }),
  output: taskStatusSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ task_id, from_chunk_index, wait_ms, max_bytes }, ctx) {
    const stub = sessionOfTask(ctx, task_id);
    return unwrap(
      await stub.taskStatus({
        taskId: task_id,
        fromChunkIndex: from_chunk_index,
        waitMs: wait_ms,
        maxBytes: max_bytes,
      }),
    );
  },
});
