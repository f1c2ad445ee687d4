/**
 * The runner's core: starting runs (every check that can fail up front first, run-admission.ts),
 * answering for them (summary, events, cancel, permission answers, through the registry of known
 * runs, run-registry.ts), the session operations (commands, reset, end), and ending every run on
 * shutdown. The HTTP layer only parses requests and formats what this returns; the driver (acp or
 * headless) runs the turns.
 */
import type { RunnerConfig } from "../config.ts";
import type { TurnDriver, TurnRequest, TurnStart } from "../drivers/driver.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { locateKiroCli, requireKiroCli } from "../process/kiro-cli.ts";
import type {
  CloneRequest,
  CommandRequest,
  CommandResponse,
  PermissionAnswer,
  RunnerStats,
  RunSummary,
  StartRunRequest,
  StartRunResponse,
} from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import type { WorkspaceCloner } from "../workspace/clone.ts";
import { cloneRun } from "../workspace/prepare.ts";
import type { RequestScope } from "../workspace/scope.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { Run } from "./run.ts";
import { RunAdmission } from "./run-admission.ts";
import type { RunLog } from "./run-log.ts";
import { RunRegistry } from "./run-registry.ts";
import type { RunnerStatsTracker } from "./stats.ts";

export interface RunManagerDeps {
  config: RunnerConfig;
  logger: Logger;
  bootId: string;
  workspace: Workspace;
  /** Makes sessions' clones: as runs of their own, or again before a turn (StartRunRequest.workspace). */
  cloner: WorkspaceCloner;
  driver: TurnDriver;
  redactor: Redactor;
  stats: RunnerStatsTracker;
  /** The environment kiro-cli inherits (minus the runner's secret); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export class RunManager {
  readonly #deps: RunManagerDeps;
  readonly #registry: RunRegistry;
  readonly #admission: RunAdmission;

  constructor(deps: RunManagerDeps) {
    this.#deps = deps;
    this.#registry = new RunRegistry(deps);
    this.#admission = new RunAdmission(deps);
  }

  /**
   * Starts a run from a request still being read: lookups wait for it until it is started or
   * refused. Checks everything that can be checked before spawning.
   */
  start(
    request: Promise<StartRunRequest>,
    scope: RequestScope = this.#admission.unscoped(),
  ): Promise<StartRunResponse> {
    return this.#registry.track(async () => this.#start(await request, scope));
  }

  async #start(request: StartRunRequest, scope: RequestScope): Promise<StartRunResponse> {
    const { config, driver } = this.#deps;
    const admission = this.#admission;
    this.#registry.assertNew(request.run_id);
    const cliPath = requireKiroCli(config.kiroCliPath);
    admission.requireAuth(request.kiro_api_key, scope);
    this.#requireCapacity(scope.user);
    const { cwd, rebuild } = await admission.workingDirectory(request, scope);
    this.#registry.assertNew(request.run_id);
    this.#requireCapacity(scope.user);
    const { message, agent, model, resume, session_key: sessionKey, ask_permissions } = request;
    const turn: TurnRequest = {
      runId: request.run_id,
      message,
      cwd,
      agent,
      model,
      resume,
      sessionKey,
      askPermissions: ask_permissions,
      cliPath,
      env: admission.childEnv(request.kiro_api_key, scope),
      user: config.runAs,
    };
    driver.assertCanStart(turn);
    const begin: TurnStart = (sink) => driver.startTurn(turn, sink);
    this.#deps.stats.runStarted();
    return this.#launch(request.run_id, sessionKey, rebuild ? rebuild(begin) : begin, scope.user);
  }

  /**
   * Clones a repository as a run of its own (POST /workspace/clone with a run id): progress as
   * notices, the CloneResponse as the exit event's metadata.
   */
  startClone(
    clone: CloneRequest,
    scope: RequestScope = this.#admission.unscoped(),
  ): Promise<StartRunResponse> {
    return this.#registry.track(async () => {
      const runId = clone.run_id ?? "";
      this.#registry.assertNew(runId);
      this.#requireCapacity(scope.user);
      await scope.cloner.checkTarget(clone.path);
      this.#registry.assertNew(runId);
      return this.#launch(runId, clone.session_key, cloneRun(scope.cloner, clone), scope.user);
    });
  }

  #launch(runId: string, sessionKey: string | undefined, begin: TurnStart, user?: string): StartRunResponse {
    const run = new Run(runId, sessionKey, {
      ...this.#deps,
      onEnded: (ended) => this.#registry.ended(ended),
    });
    this.#registry.add(run, user ?? "");
    run.start(begin);
    return { run_id: run.id, boot_id: this.#deps.bootId };
  }

  /** How the run is doing, or how it ended (also after its events were deleted). */
  async summary(runId: string): Promise<RunSummary> {
    const run = await this.#registry.find(runId);
    if (run instanceof Run) return run.summary();
    return run;
  }

  /** The run's event log, for readers; run_expired once the events were deleted. */
  async events(runId: string): Promise<RunLog> {
    const run = await this.#registry.find(runId);
    if (run instanceof Run) return run.log;
    const { runRetentionMs } = this.#deps.config;
    throw new RunnerFault(
      "run_expired",
      `run ${runId} ended (${run.status}) and its events were deleted ${runRetentionMs} ms after (KIRO_RUN_RETENTION_MS); GET /runs/${runId} says how it ended`,
    );
  }

  /**
   * Stops a running run and answers once its exit event is written; a finished run is unchanged.
   * An unknown run is withdrawn: its start, should it arrive later, is refused.
   */
  async cancel(runId: string): Promise<RunSummary> {
    const run = await this.#registry.find(runId, () => this.#registry.withdraw(runId));
    if (!(run instanceof Run)) return run;
    run.stop("cancelled");
    await run.waitEnded();
    return run.summary();
  }

  /** A client's answer to a permission request of a running run (KIRO_TRUST=ask). */
  async answerPermission(runId: string, key: string, answer: PermissionAnswer): Promise<void> {
    const run = await this.#registry.find(runId);
    if (!(run instanceof Run)) {
      throw new RunnerFault("permission_not_pending", `run ${runId} has ended (${run.status})`);
    }
    run.answerPermission(key, answer.option_id);
  }

  /** A Kiro slash command on the session's kiro-cli (a driver without commands refuses it first). */
  command(
    sessionKey: string,
    request: CommandRequest,
    scope: RequestScope = this.#admission.unscoped(),
  ): Promise<CommandResponse> {
    return this.#deps.driver.command(sessionKey, async () => {
      const { config } = this.#deps;
      const cliPath = requireKiroCli(config.kiroCliPath);
      this.#admission.requireAuth(request.kiro_api_key, scope);
      const cwd = await scope.workspace.resolve(request.cwd);
      const env = this.#admission.childEnv(request.kiro_api_key, scope);
      return { command: request.command, cwd, agent: request.agent, cliPath, env, user: config.runAs };
    });
  }

  /** The session's next run starts a new conversation. */
  async reset(sessionKey: string): Promise<void> {
    await this.#deps.driver.reset(sessionKey);
  }

  /** The session ended: its runs are cancelled and its kiro-cli stopped. */
  async endSession(sessionKey: string): Promise<void> {
    const running = this.#registry.running().filter((run) => run.sessionKey === sessionKey);
    for (const run of running) run.stop("cancelled");
    await this.#deps.driver.endSession(sessionKey);
    await Promise.all(running.map((run) => run.waitEnded()));
  }

  /**
   * Refuses new runs (shutting_down), lets the running ones go on for up to `graceMs` to finish
   * on their own, stops the rest (reason shutdown), waits for every exit event, then stops the
   * warm processes. Everything else keeps working meanwhile: readers follow and resume the runs'
   * events, cancels and commands are answered.
   */
  async shutdown(graceMs = 0): Promise<void> {
    this.#admission.close();
    const running = this.#registry.running();
    const allEnded = Promise.all(running.map((run) => run.waitEnded()));
    if (running.length > 0 && graceMs > 0) {
      this.#deps.logger.info("draining", { runs_active: running.length, grace_ms: graceMs });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allEnded, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.stopRunning();
    await allEnded;
    await this.#deps.driver.shutdown();
  }

  /** Stops every running run now (reason shutdown): the drain is cut short. */
  stopRunning(): void {
    for (const run of this.#registry.running()) run.stop("shutdown");
  }

  counts(): { active: number; total: number } {
    return { active: this.#registry.running().length, total: this.stats().runs_served };
  }

  stats(): RunnerStats {
    return this.#deps.stats.snapshot(this.#deps.driver.warmProcesses());
  }

  kiroCli(): { path: string; found: boolean } {
    return locateKiroCli(this.#deps.config.kiroCliPath);
  }

  #requireCapacity(user: string | undefined): void {
    this.#admission.requireCapacity(user, this.#registry.runningUsers());
  }
}
