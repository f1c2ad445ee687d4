/**
 * The secrets a user may store (`npm run secrets -- set NAME`), each for one purpose, and what a
 * value may look like. Anything else is refused: the store holds credentials for this server's
 * own use, not arbitrary data.
 */

/** KIRO_API_KEY: the user's Kiro API key, given to their own kiro-cli. GIT_TOKEN: their git credential. */
export const SECRET_NAMES = ["KIRO_API_KEY", "GIT_TOKEN"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Longest value: far more than any API key or access token, small enough to never matter. */
export const MAX_SECRET_BYTES = 4096;

/**
 * Printable ASCII without spaces: what API keys and tokens are made of. It also keeps a value
 * safe wherever it travels (an environment variable, a header, a log line it must never be in).
 */
const SECRET_VALUE = /^[\x21-\x7e]+$/;

export function isSecretName(value: string): value is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(value);
}

/** What is wrong with `value` as a secret, or undefined when it is fine. */
export function secretValueProblem(value: string): string | undefined {
  if (value.length === 0) return "the value is empty";
  if (value.length > MAX_SECRET_BYTES) return `the value is longer than ${MAX_SECRET_BYTES} characters`;
  if (!SECRET_VALUE.test(value)) {
    return "the value must be printable ASCII without spaces or line breaks (an API key or token)";
  }
  return undefined;
}

/** The command that stores `name`, for error messages. */
export function setSecretCommand(name: SecretName): string {
  return `npm run secrets -- set ${name}`;
}
