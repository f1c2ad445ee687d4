import { LOCAL_USER_ID } from "../auth/authenticate.ts";
import { ErrorCode, KiroError, unwrap } from "../errors.ts";
import { accountObjectName } from "../ids.ts";
import { settings } from "../settings.ts";
import { setSecretCommand } from "./names.ts";
import type { SecretValues } from "./store.ts";

/**
 * The Kiro API key a user's kiro-cli runs with, in this order:
 * 1. the user's own, stored with `npm run secrets -- set KIRO_API_KEY`;
 * 2. for the local user (local mode: the operator on their own machine), the operator's
 *    KIRO_API_KEY: the Worker's when it has one, else (undefined) the host runner's own;
 * 3. with KIRO_SHARED_API_KEY=allow, the operator's KIRO_API_KEY: every user without a key of
 *    their own then bills the operator's Kiro account, and their Kiro can read that key;
 * otherwise none, and the user is told how to store theirs.
 */
export async function kiroApiKeyFor(env: Env, userId: string): Promise<string | undefined> {
  const account = env.ACCOUNT.getByName(accountObjectName(userId));
  return kiroApiKeyOf(env, userId, unwrap(await account.secretValues(userId)));
}

/** kiroApiKeyFor with the user's secrets already at hand (the Account hands them to a start). */
export function kiroApiKeyOf(env: Env, userId: string, secrets: SecretValues): string | undefined {
  const own = secrets.KIRO_API_KEY;
  if (own !== undefined) return own;
  const operatorKey = operatorApiKey(env);
  if (userId === LOCAL_USER_ID) return operatorKey;
  if (settings(env).sharedApiKey) {
    if (operatorKey !== undefined) return operatorKey;
    throw new KiroError(
      ErrorCode.CredentialsMissing,
      "This server is set to share its operator's Kiro API key (KIRO_SHARED_API_KEY=allow) but has none (KIRO_API_KEY). Store your own with `npm run secrets -- set KIRO_API_KEY`, or ask the operator to set KIRO_API_KEY.",
    );
  }
  throw new KiroError(
    ErrorCode.CredentialsMissing,
    `You have no Kiro API key stored on this server, and kiro-cli cannot run without one. Store yours with \`${setSecretCommand("KIRO_API_KEY")}\` (KIRO_URL set to this server, KIRO_TOKEN to your token); Kiro API keys come with a Kiro Pro, Pro+ or Power plan.`,
  );
}

/** The operator's KIRO_API_KEY: an optional secret, so not in the generated Env. */
export function operatorApiKey(env: Env): string | undefined {
  return (env as Env & { KIRO_API_KEY?: string }).KIRO_API_KEY?.trim() || undefined;
}
