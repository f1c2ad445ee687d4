import { z } from "zod";
import { unwrap } from "../../errors.ts";
import { taskStatusSchema } from "../../session/views.ts";
import { sessionOfTask } from "../context.ts";
import { taskIdField } from "../schemas.ts";
import { defineTool } from "../tool.ts";

export const kiroTaskCancel = defineTool({
  name: "kiro_task_cancel",
  title: "Cancel a Kiro task",
  description:
    "Stop a running task: kiro-cli and every process it started are stopped. Output produced so far is kept. Cancelling a finished task changes nothing.",
  input: z.object({ task_id: taskIdField }),
  output: taskStatusSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ task_id }, ctx) {
    const stub = sessionOfTask(ctx, task_id);
    return unwrap(await stub.cancelTask(task_id));
  },
});
