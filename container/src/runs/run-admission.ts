/**
 * What a request must pass before the runner spawns anything for it, and what it starts with:
 * kiro-cli authenticated (the request's key, or the runner's own only unscoped), a free run slot
 * (the users' fair share, none at all while shutting down), the turn's working directory (a
 * session clone that is gone is made again first), and kiro-cli's environment (the user's key
 * added and redacted from then on; the runner's own secret never in it).
 */
import { DEFAULTS, type RunnerConfig } from "../config.ts";
import type { TurnStart } from "../drivers/driver.ts";
import { RunnerFault } from "../errors.ts";
import { requireKiroAuth } from "../process/kiro-cli.ts";
import { userEnv } from "../process/run-as.ts";
import type { StartRunRequest } from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import type { WorkspaceCloner } from "../workspace/clone.ts";
import { newEntryPath } from "../workspace/files.ts";
import { rebuildThenTurn } from "../workspace/prepare.ts";
import { type RequestScope, unscopedScope } from "../workspace/scope.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { slotRefusal } from "./run-slots.ts";

/** Environment variables of the runner that kiro-cli and the tools it runs must never see. */
const HIDDEN_FROM_KIRO = ["KIRO_RUNNER_SECRET"] as const;

export interface RunAdmissionDeps {
  config: RunnerConfig;
  workspace: Workspace;
  cloner: WorkspaceCloner;
  redactor: Redactor;
  /** The environment kiro-cli inherits (minus HIDDEN_FROM_KIRO); defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined;
}

/** A turn's working directory, and the rebuild of a missing session clone that must come first. */
export interface TurnDirectory {
  cwd: string;
  rebuild: ((begin: TurnStart) => TurnStart) | undefined;
}

export class RunAdmission {
  readonly #deps: RunAdmissionDeps;
  #closed = false;

  constructor(deps: RunAdmissionDeps) {
    this.#deps = deps;
  }

  /** From now on every new run is refused (shutting_down). */
  close(): void {
    this.#closed = true;
  }

  /** Refuses a run of `user` while shutting down or past its share of the slots. */
  requireCapacity(user: string | undefined, runningUsers: readonly string[]): void {
    if (this.#closed) {
      throw new RunnerFault(
        "shutting_down",
        "This Kiro runner is shutting down (a deploy or a restart): it lets its running turns finish but starts no new ones. Send the message again in a minute or two, once its replacement is up.",
      );
    }
    const refusal = slotRefusal({ max: this.#deps.config.maxActiveRuns, running: runningUsers, user });
    if (refusal !== undefined) throw new RunnerFault("too_many_runs", refusal);
  }

  /**
   * kiro-cli needs a key: the request's, or (unscoped) the runner's own unless local login is
   * allowed. A scoped user's run never falls back to the operator's key or login.
   */
  requireAuth(apiKey: string | undefined, scope: RequestScope): void {
    const { config } = this.#deps;
    const own = scope.user === undefined;
    requireKiroAuth(apiKey !== undefined || (own && config.hasApiKey), own && config.allowLocalLogin);
  }

  /** The runner's own scope: the whole workspace and the runner's environment. */
  unscoped(): RequestScope {
    return unscopedScope(this.#deps);
  }

  /**
   * The turn's working directory. A session clone that is missing (`workspace` says where it
   * comes from) is made again before the turn, in the place it had.
   */
  async workingDirectory(request: StartRunRequest, scope: RequestScope): Promise<TurnDirectory> {
    const { workspace, cloner } = scope;
    const source = request.workspace;
    try {
      return { cwd: await workspace.resolve(request.cwd), rebuild: undefined };
    } catch (error) {
      if (source === undefined || !(error instanceof RunnerFault) || error.code !== "workspace_missing")
        throw error;
      const { target } = await newEntryPath(workspace, request.cwd, "not a clone");
      const rebuild = (begin: TurnStart) => rebuildThenTurn(cloner, source, target, begin);
      return { cwd: target, rebuild };
    }
  }

  /**
   * kiro-cli's environment: the scope's (the runner's minus what it must not see, or a scoped
   * user's allowlist), with the user's key when the request brought one. That key is redacted
   * from everything the runner sends from now on.
   */
  childEnv(apiKey: string | undefined, scope: RequestScope): NodeJS.ProcessEnv {
    const runAs = userEnv(this.#deps.config.runAs);
    // A scoped user's own HOME wins over KIRO_RUN_AS's; unscoped, KIRO_RUN_AS's wins over the runner's.
    const env = scope.user === undefined ? { ...scope.env, ...runAs } : { ...runAs, ...scope.env };
    for (const name of HIDDEN_FROM_KIRO) delete env[name];
    if (apiKey !== undefined) {
      env.KIRO_API_KEY = apiKey;
      if (apiKey.length >= DEFAULTS.minRedactedSecretChars) this.#deps.redactor.add(apiKey);
    }
    return env;
  }
}
