/**
 * What the session object returns and the tools hand to clients, in snake_case. Each shape is a
 * zod schema (the tools' `outputSchema`) and its inferred type, so the two cannot drift apart.
 */
import { z } from "zod";
import { CHUNK_KINDS, type ChunkKind } from "./chunks.ts";

/** A task's state; `cancelling`: a cancel was asked for and the runner has not yet confirmed the end. */
export const taskStatusField = z
  .enum(["running", "cancelling", "completed", "failed", "cancelled"])
  .describe(
    "Task state: running; cancelling (cancel asked, the turn is being stopped); completed, failed or cancelled (done)",
  );
const timestamp = z.string().describe("ISO 8601 time");

export const sessionInfoSchema = z.object({
  session_id: z.string().describe("Session id: pass it as session_id to other tools"),
  agent: z.string().nullable().describe("Custom Kiro agent, or null for Kiro's default"),
  working_directory: z.string().describe("Absolute working directory of kiro-cli"),
  created_at: timestamp,
  last_active: timestamp,
  running_tasks: z.number().int().describe("Tasks running now"),
  repository: z
    .object({
      url: z.string(),
      ref: z.string().nullable(),
      commit: z.string().describe("The commit the clone started at"),
    })
    .nullable()
    .describe("The git repository cloned into the working directory when the session started"),
  state: z
    .enum(["preparing", "ready", "failed"])
    .describe(
      "preparing: its repository is being cloned (follow setup_task_id with kiro_task_status); ready: it takes turns; failed: it could not be set up (see failure)",
    ),
  setup_task_id: z.string().nullable().describe("The task the session's clone ran as, when it has one"),
  failure: z.string().nullable().describe("Why the session could not be set up (state failed)"),
  workspace_notice: z
    .object({ at: timestamp, text: z.string() })
    .nullable()
    .describe(
      "The last thing that happened to the workspace you must know about (a rebuild without its snapshot)",
    ),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const taskStartedSchema = z.object({
  task_id: z.string().describe("Poll it with kiro_task_status"),
  session_id: z.string(),
  status: taskStatusField,
});
export type TaskStarted = z.infer<typeof taskStartedSchema>;

export const chunkSchema = z.object({
  index: z.number().int().describe("Position in the task's output, contiguous from 0"),
  kind: z
    .enum(CHUNK_KINDS as [ChunkKind, ...ChunkKind[]])
    .describe(
      "text: Kiro's answer; stderr: kiro-cli diagnostics; thought, tool_call, tool_call_update, plan, usage, permission, notice, unknown: structured updates",
    ),
  content: z.string().describe("Readable UTF-8 text, terminal escape codes removed"),
  data: z.unknown().optional().describe("The structured update as Kiro sent it (tool calls, plans, …)"),
  created_at: timestamp,
});

/** Kiro's `_kiro.dev/metadata` for a turn, its frames merged (container/src/protocol/metadata.ts). */
export const turnMetadataSchema = z.object({
  contextUsagePercentage: z.number().optional().describe("How full the conversation's context window is, %"),
  credits: z.number().optional().describe("Credits the turn used so far"),
  meteringUsage: z
    .array(z.object({ value: z.number(), unit: z.string().optional(), unitPlural: z.string().optional() }))
    .optional()
    .describe("What Kiro billed for the turn, as it reports it"),
  turnDurationMs: z.number().optional().describe("How long Kiro worked on the turn (once it is over)"),
  effort: z.string().optional().describe("The model's reasoning effort, when Kiro reports one"),
});

export const taskStatusSchema = z.object({
  task_id: z.string(),
  session_id: z.string(),
  status: taskStatusField,
  is_done: z.boolean().describe("True once the task is completed, failed or cancelled"),
  new_chunks: z.array(chunkSchema).describe("Chunks from from_chunk_index on"),
  new_content: z.string().describe("The text chunks of new_chunks joined: the new part of the answer"),
  from_chunk_index: z.number().int(),
  last_chunk_index: z
    .number()
    .int()
    .describe("Index of the last chunk returned (from_chunk_index - 1 if none)"),
  next_chunk_index: z.number().int().describe("Pass as from_chunk_index on the next poll"),
  has_more: z
    .boolean()
    .describe("More chunks are ready than fitted in this response (max_bytes, 1000 chunks): poll again now"),
  total_chunks: z.number().int(),
  total_bytes_received: z
    .number()
    .int()
    .describe("Bytes of Kiro's output stored so far (a truncation notice is not counted)"),
  created_at: timestamp,
  ended_at: timestamp.nullable(),
  result: z.string().optional().describe("The full answer, once completed (on the last page)"),
  result_truncated: z
    .boolean()
    .optional()
    .describe("The answer was longer than result can carry; read the chunks"),
  error: z.string().optional().describe("Why the task failed or was cancelled"),
  reason: z
    .string()
    .optional()
    .describe("How the task ended: exited, cancelled, timeout, runner_lost, output_incomplete, …"),
  exit_code: z.number().int().nullable().optional().describe("kiro-cli's exit code, when it exited"),
  metadata: turnMetadataSchema
    .optional()
    .describe("Kiro's figures for the turn so far (ACP): context usage, credits used, duration"),
});
export type TaskStatusView = z.infer<typeof taskStatusSchema>;

export const taskSummarySchema = z.object({
  task_id: z.string(),
  session_id: z.string(),
  status: taskStatusField,
  is_done: z.boolean(),
  message_preview: z.string().describe("The start of the message that started the task"),
  total_chunks: z.number().int(),
  total_bytes_received: z.number().int(),
  created_at: timestamp,
  ended_at: timestamp.nullable(),
  error: z.string().optional(),
  credits: z.number().optional().describe("Credits Kiro reported for the turn so far (ACP), when it did"),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
