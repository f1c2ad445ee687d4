/**
 * KIRO_RUN_AS: the user kiro-cli (and git, and every file the runner writes for it) runs as, when
 * it must not be the runner's own. In the container the runner is root only so that it can start
 * kiro-cli as `kiro`: a different uid cannot read the runner's environment or memory
 * (/proc/<pid>/environ, ptrace), signal it, or read its state, whatever a prompt makes Kiro run.
 * Node's spawn sets the uid and gid (and drops supplementary groups) in the child before exec.
 */
import { readFileSync } from "node:fs";

export interface RunAs {
  name: string;
  uid: number;
  gid: number;
  /** The user's home directory: HOME for what runs as them. */
  home: string;
}

/** The spawn options that start a child as `user` (none when the runner's own user runs it). */
export function spawnUser(user: RunAs | undefined): { uid?: number; gid?: number } {
  return user === undefined ? {} : { uid: user.uid, gid: user.gid };
}

/** The environment changes that go with running as `user`. */
export function userEnv(user: RunAs | undefined): NodeJS.ProcessEnv {
  return user === undefined ? {} : { HOME: user.home, USER: user.name, LOGNAME: user.name };
}

/**
 * `name` looked up in `passwd` (the text of /etc/passwd); undefined when there is no such user.
 * A numeric `name` is not accepted: the user must exist, with a home.
 */
export function lookupUser(
  name: string,
  passwd: string = readFileSync("/etc/passwd", "utf8"),
): RunAs | undefined {
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid, , home] = line.split(":");
    if (user !== name || uid === undefined || gid === undefined || home === undefined) continue;
    const ids = [Number(uid), Number(gid)];
    if (!ids.every(Number.isSafeInteger)) return undefined;
    return { name, uid: Number(uid), gid: Number(gid), home };
  }
  return undefined;
}
