import { unwrap } from "../errors.ts";
import { accountObjectName } from "../ids.ts";

/**
 * The git credential a user's clones and pushes use for https remotes: their own GIT_TOKEN,
 * stored with `npm run secrets -- set GIT_TOKEN` (a token, or `user:token`). Never the
 * operator's: there is no shared git credential. Undefined when the user stored none (public
 * repositories need none).
 */
export async function gitTokenFor(env: Env, userId: string): Promise<string | undefined> {
  const account = env.ACCOUNT.getByName(accountObjectName(userId));
  return unwrap(await account.secretValues(userId)).GIT_TOKEN;
}
