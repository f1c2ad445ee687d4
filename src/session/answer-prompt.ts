/**
 * Delivering a client's answer to one of Kiro's permission requests: the request is taken from
 * the waiting ones first (so tasks/get stops offering it at once), then the answer goes to the
 * runner, which hands it to kiro-cli and records the decision as a `permission` event. A runner
 * that no longer waits on it (its timeout decided, the turn ended) makes the answer moot; a
 * runner that cannot be reached puts the request back, so the client can answer again.
 */
import { type RunnerClient, RunnerRequestError } from "../runner/client.ts";
import type { Logger } from "../util/log.ts";
import type { PermissionPromptStore } from "./permission-prompts.ts";
import { callRunner } from "./runner-call.ts";
import type { TaskRow } from "./task-rows.ts";

/** True when the answer reached the waiting request. */
export async function answerPrompt(
  prompts: PermissionPromptStore,
  runner: RunnerClient,
  task: TaskRow,
  key: string,
  optionId: string | null,
  log: Logger,
): Promise<boolean> {
  if (task.status !== "running" || prompts.take(task.id, key) === undefined) return false;
  try {
    await callRunner(log, async () => {
      try {
        await runner.answerPermission(task.run_id, key, optionId);
      } catch (error) {
        if (!(error instanceof RunnerRequestError) || error.code !== "permission_not_pending") throw error;
        log.info("permission.answer_moot", { task_id: task.id, key });
      }
    });
  } catch (error) {
    prompts.putBack(task.id, key);
    throw error;
  }
  log.info("permission.answered", { task_id: task.id, key, dismissed: optionId === null });
  return true;
}
