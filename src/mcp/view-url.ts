import { signViewLink } from "../view/links.ts";
import type { ToolContext } from "./context.ts";

/** A signed link to the task's live view (see src/view/). */
export async function viewUrl(ctx: ToolContext, taskId: string): Promise<string> {
  const query = await signViewLink(ctx.env.KIRO_RUNNER_SECRET ?? "", ctx.userId, taskId);
  return `${ctx.origin}/tasks/${taskId}?${query}`;
}
