/**
 * The user's git credential for one git command. git gets it from an askpass program the runner
 * writes for that command alone (in a private temp dir, removed afterwards), which reads it from
 * the command's own environment: the credential is never part of a URL, a config file, the
 * workspace, a log line or an answer (callers add it to the command's redactor). The program
 * answers only prompts for the repository's own host, so a redirect elsewhere gets nothing.
 */
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunAs } from "../process/run-as.ts";

export interface GitCredential {
  username: string;
  password: string;
}

/**
 * User name git sends with a bare token: GitHub, GitLab and Bitbucket access tokens are accepted
 * with any name, and GitHub documents this one.
 */
const TOKEN_USER = "x-access-token";

/**
 * git asks "Username for 'https://host': " and "Password for 'https://user@host': "; anything
 * else, or another host, gets no answer (exit 1), and git fails without prompting further.
 */
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  *"://$KIRO_GIT_HOST'"*|*"@$KIRO_GIT_HOST'"*) ;;
  *) exit 1 ;;
esac
case "$1" in
  Username*) printf '%s\\n' "$KIRO_GIT_USERNAME" ;;
  Password*) printf '%s\\n' "$KIRO_GIT_PASSWORD" ;;
  *) exit 1 ;;
esac
`;

/** A stored GIT_TOKEN: `token`, or `user:token` for hosts that need the account's name. */
export function parseGitToken(token: string): GitCredential {
  const colon = token.indexOf(":");
  if (colon <= 0) return { username: TOKEN_USER, password: token };
  return { username: token.slice(0, colon), password: token.slice(colon + 1) };
}

/** The secrets a credential holds, for a redactor: the password, and a user name that is one. */
export function credentialSecrets(credential: GitCredential | undefined): string[] {
  if (credential === undefined) return [];
  return credential.username === TOKEN_USER
    ? [credential.password]
    : [credential.password, `${credential.username}:${credential.password}`];
}

/**
 * Runs `fn` with the environment additions that let git authenticate to `url`'s host with
 * `credential` (none when there is no credential, or the URL is not http(s): ssh uses keys).
 * `runAs`: the user git runs as (KIRO_RUN_AS), who must be able to run the program, and only they.
 */
export async function withGitCredential<T>(
  credential: GitCredential | undefined,
  url: string,
  fn: (env: NodeJS.ProcessEnv) => Promise<T>,
  runAs?: RunAs,
): Promise<T> {
  const host = webHost(url);
  if (credential === undefined || host === undefined) return fn({});
  const dir = await mkdtemp(path.join(os.tmpdir(), "kiro-askpass-"));
  try {
    const program = path.join(dir, "askpass.sh");
    await writeFile(program, ASKPASS_SCRIPT, { mode: 0o700 });
    await chmod(program, 0o700);
    if (runAs !== undefined) {
      await chown(program, runAs.uid, runAs.gid);
      await chown(dir, runAs.uid, runAs.gid);
    }
    return await fn({
      GIT_ASKPASS: program,
      KIRO_GIT_HOST: host,
      KIRO_GIT_USERNAME: credential.username,
      KIRO_GIT_PASSWORD: credential.password,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "host" or "host:port" of an http(s) URL, as git names it in its prompts. */
function webHost(url: string): string | undefined {
  if (!/^https?:\/\//.test(url)) return undefined;
  try {
    return new URL(url).host;
  } catch {
    // Not a URL: git will refuse it before it could prompt for anything.
    return undefined;
  }
}
