import { masterKey } from "../secrets/keys.ts";
import { signViewLink } from "../view/links.ts";
import type { ToolContext } from "./context.ts";

/**
 * A link to the task's live view (see src/view/), signed for this user and credential. Without
 * KIRO_SECRETS_KEY nothing can be signed: the bare link then needs the bearer header.
 */
export async function viewUrl(ctx: ToolContext, taskId: string): Promise<string> {
  const base = `${ctx.origin}/tasks/${taskId}`;
  const master = masterKey(ctx.env);
  if (master === undefined) return base;
  const holder = { userId: ctx.userId, credentialId: ctx.credentialId };
  return `${base}?${await signViewLink(master, holder, taskId)}`;
}
