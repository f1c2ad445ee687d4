/**
 * Who a request acts for, on a runner several users share (a host runner with tokens): the
 * Worker names the user in RUNNER_USER_HEADER, and that user gets
 * - their own area, `<workspace root>/kiro-users/<user>/`, as their whole workspace: every path
 *   they give is inside it, and nothing outside it (the operator's checkout, other users' areas)
 *   can be reached by any workspace operation;
 * - their own home for kiro-cli (HOME and KIRO_HOME: conversations, settings, global agents) in
 *   the runner's state directory, so `--resume` and saved ACP sessions never meet another's;
 * - an environment built from a short allowlist of the runner's: no SSH agent, no git credential
 *   helpers or askpass, none of the operator's tokens; git reads no system or operator config;
 * - their share of the runner's run slots (runs/run-slots.ts, checked in runs/run-admission.ts).
 * A request without the header is unscoped: the whole root and the runner's own environment, as
 * in a container (one user) or for the local user of a host runner (the operator).
 */
import { chown, mkdir } from "node:fs/promises";
import path from "node:path";
import type { RunnerConfig } from "../config.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RunAs } from "../process/run-as.ts";
import type { Redactor } from "../text/redact.ts";
import { makeDirectory } from "./as-user.ts";
import { WorkspaceCloner } from "./clone.ts";
import { Workspace } from "./workspace.ts";

/** The directory under the workspace root that holds the users' areas. */
export const USER_AREAS_DIR = "kiro-users";
/** User ids as the Worker mints them: they become directory names. */
const USER_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Variables of the runner's environment a scoped user's kiro-cli may see; everything else is dropped. */
const PASSED_TO_USERS = ["PATH", "LANG", "LANGUAGE", "TZ", "TERM", "TMPDIR", "SHELL", "KIRO_CLI_PATH"];

export interface RequestScope {
  /** The user the request is for; undefined: unscoped. */
  user: string | undefined;
  workspace: Workspace;
  cloner: WorkspaceCloner;
  /** KIRO_HOME for this scope: global agents, and Kiro's own state. */
  kiroHome: string;
  /** The environment kiro-cli and git start from, before the run's own additions. */
  env: NodeJS.ProcessEnv;
}

/** What the runner's own scope is made of. */
export type UnscopedDeps = Pick<ScopesDeps, "config" | "workspace" | "cloner" | "env">;

/** The runner's own scope: the whole workspace root, its KIRO_HOME and its own environment. */
export function unscopedScope({ config, workspace, cloner, env }: UnscopedDeps): RequestScope {
  return { user: undefined, workspace, cloner, kiroHome: config.kiroHome, env: env ?? process.env };
}

export interface ScopesDeps {
  config: RunnerConfig;
  workspace: Workspace;
  cloner: WorkspaceCloner;
  logger: Logger;
  redactor: Redactor;
  /** The runner's environment; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export class Scopes {
  readonly #deps: ScopesDeps;
  readonly #scoped = new Map<string, Promise<RequestScope>>();

  constructor(deps: ScopesDeps) {
    this.#deps = deps;
  }

  /** The runner's own scope: the whole root. */
  get unscoped(): RequestScope {
    return unscopedScope(this.#deps);
  }

  /** The scope of `user` (RUNNER_USER_HEADER's value), or the unscoped one without a user. */
  async of(user: string | undefined): Promise<RequestScope> {
    if (user === undefined) return this.unscoped;
    if (!USER_ID.test(user)) throw new RunnerFault("bad_request", "the user header is not a user id");
    let scope = this.#scoped.get(user);
    if (scope === undefined) {
      scope = this.#make(user);
      this.#scoped.set(user, scope);
      scope.catch(() => this.#scoped.delete(user));
    }
    return scope;
  }

  async #make(user: string): Promise<RequestScope> {
    const { config, workspace, logger, redactor } = this.#deps;
    const areas = path.join(workspace.root, USER_AREAS_DIR);
    await ensureDirectory(workspace, areas);
    const area = path.join(areas, user);
    await ensureDirectory(workspace, area);
    const home = path.join(config.stateDir, "users", user);
    await mkdir(path.join(home, ".kiro"), { recursive: true, mode: 0o700 });
    // With KIRO_RUN_AS the home is that user's (the state directory must then let them through).
    if (workspace.owner) await chownTree(home, workspace.owner);
    const userWorkspace = new Workspace(area, {
      owner: workspace.owner,
      protectedPaths: workspace.protectedPaths,
    });
    const env = userEnvironment(this.#deps.env ?? process.env, home);
    const cloner = new WorkspaceCloner({ config, workspace: userWorkspace, logger, redactor, env });
    logger.info("user_area_ready", { user });
    return { user, workspace: userWorkspace, cloner, kiroHome: path.join(home, ".kiro"), env };
  }
}

/** The allowlisted part of `base`, with the user's own home and a git that reads no one else's config. */
export function userEnvironment(base: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (PASSED_TO_USERS.includes(name) || name.startsWith("LC_")) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    KIRO_HOME: path.join(home, ".kiro"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    // git: no system config (credential helpers, osxkeychain), and ssh without the operator's agent or keys.
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_SSH_COMMAND:
      "ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes -o IdentityFile=/dev/null",
  };
}

async function chownTree(home: string, owner: RunAs): Promise<void> {
  for (const dir of [home, path.join(home, ".kiro")]) await chown(dir, owner.uid, owner.gid);
}

async function ensureDirectory(workspace: Workspace, dir: string): Promise<void> {
  await makeDirectory(workspace.owner, dir).catch((error: unknown) => {
    if ((error as { code?: string }).code !== "EEXIST") throw error;
  });
}
