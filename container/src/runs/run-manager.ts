/**
 * The runner's core: which runs exist, starting them (after every check that can fail up front),
 * cancelling them, the session operations (commands, reset, end), forgetting finished runs after
 * their retention, and ending all of them on shutdown. The HTTP layer only parses requests and
 * formats what this returns; the driver (acp or headless) runs the turns.
 *
 * Starts are ordered before lookups (PendingStarts), and a forgotten run is still accounted for
 * (ForgottenRuns): how it ended, or that it was withdrawn before it started.
 */
import { DEFAULTS, type RunnerConfig } from "../config.ts";
import type { TurnDriver, TurnRequest, TurnStart } from "../drivers/driver.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { locateKiroCli, requireKiroAuth, requireKiroCli } from "../process/kiro-cli.ts";
import { userEnv } from "../process/run-as.ts";
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
import { newEntryPath } from "../workspace/files.ts";
import { cloneRun, rebuildThenTurn } from "../workspace/prepare.ts";
import type { RequestScope } from "../workspace/scope.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { ForgottenRuns } from "./forgotten-runs.ts";
import { PendingStarts } from "./pending-starts.ts";
import { Run } from "./run.ts";
import type { RunLog } from "./run-log.ts";
import { slotRefusal } from "./run-slots.ts";
import type { RunnerStatsTracker } from "./stats.ts";

/** Environment variables of the runner that kiro-cli and the tools it runs must never see. */
const HIDDEN_FROM_KIRO = ["KIRO_RUNNER_SECRET"] as const;

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
  /** The environment kiro-cli inherits (minus HIDDEN_FROM_KIRO); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export class RunManager {
  readonly #runs = new Map<string, Run>();
  /** The user (RequestScope.user, "" unscoped) of each run, for the fair share of slots. */
  readonly #users = new Map<string, string>();
  readonly #forgotten = new ForgottenRuns();
  readonly #pendingStarts = new PendingStarts();
  readonly #deps: RunManagerDeps;
  #shuttingDown = false;

  constructor(deps: RunManagerDeps) {
    this.#deps = deps;
  }

  /**
   * Starts a run from a request still being read: lookups wait for it until it is started or
   * refused. Checks everything that can be checked before spawning.
   */
  start(
    request: Promise<StartRunRequest>,
    scope: RequestScope = this.#unscoped(),
  ): Promise<StartRunResponse> {
    return this.#pendingStarts.track(async () => this.#start(await request, scope));
  }

  async #start(request: StartRunRequest, scope: RequestScope): Promise<StartRunResponse> {
    const { config, driver } = this.#deps;
    this.#assertNew(request.run_id);
    const cliPath = requireKiroCli(config.kiroCliPath);
    this.#requireAuth(request.kiro_api_key, scope);
    this.#assertCapacity(scope.user);
    const { cwd, rebuild } = await this.#workingDirectory(request, scope);
    this.#assertNew(request.run_id);
    this.#assertCapacity(scope.user);
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
      env: this.#childEnv(request.kiro_api_key, scope),
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
  startClone(clone: CloneRequest, scope: RequestScope = this.#unscoped()): Promise<StartRunResponse> {
    return this.#pendingStarts.track(async () => {
      const runId = clone.run_id ?? "";
      this.#assertNew(runId);
      this.#assertCapacity(scope.user);
      await scope.cloner.checkTarget(clone.path);
      this.#assertNew(runId);
      return this.#launch(runId, clone.session_key, cloneRun(scope.cloner, clone), scope.user);
    });
  }

  #launch(runId: string, sessionKey: string | undefined, begin: TurnStart, user?: string): StartRunResponse {
    this.#users.set(runId, user ?? "");
    const run = new Run(runId, sessionKey, {
      ...this.#deps,
      onEnded: (ended) => this.#onEnded(ended),
    });
    this.#runs.set(run.id, run);
    run.start(begin);
    return { run_id: run.id, boot_id: this.#deps.bootId };
  }

  /**
   * The turn's working directory. A session clone that is missing (`workspace` says where it
   * comes from) is made again before the turn, in the place it had.
   */
  async #workingDirectory(request: StartRunRequest, scope: RequestScope) {
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

  /** How the run is doing, or how it ended (also after its events were deleted). */
  async summary(runId: string): Promise<RunSummary> {
    const run = await this.#find(runId);
    if (run instanceof Run) return run.summary();
    return run;
  }

  /** The run's event log, for readers; run_expired once the events were deleted. */
  async events(runId: string): Promise<RunLog> {
    const run = await this.#find(runId);
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
    const run = await this.#find(runId, () => this.#forgotten.withdrawn(runId));
    if (!(run instanceof Run)) return run;
    run.stop("cancelled");
    await run.waitEnded();
    return run.summary();
  }

  /** A client's answer to a permission request of a running run (KIRO_TRUST=ask). */
  async answerPermission(runId: string, key: string, answer: PermissionAnswer): Promise<void> {
    const run = await this.#find(runId);
    if (!(run instanceof Run)) {
      throw new RunnerFault("permission_not_pending", `run ${runId} has ended (${run.status})`);
    }
    run.answerPermission(key, answer.option_id);
  }

  /** A Kiro slash command on the session's kiro-cli (a driver without commands refuses it first). */
  command(
    sessionKey: string,
    request: CommandRequest,
    scope: RequestScope = this.#unscoped(),
  ): Promise<CommandResponse> {
    return this.#deps.driver.command(sessionKey, async () => {
      const { config } = this.#deps;
      const cliPath = requireKiroCli(config.kiroCliPath);
      this.#requireAuth(request.kiro_api_key, scope);
      const cwd = await scope.workspace.resolve(request.cwd);
      const env = this.#childEnv(request.kiro_api_key, scope);
      return { command: request.command, cwd, agent: request.agent, cliPath, env, user: config.runAs };
    });
  }

  /** The session's next run starts a new conversation. */
  async reset(sessionKey: string): Promise<void> {
    await this.#deps.driver.reset(sessionKey);
  }

  /** The session ended: its runs are cancelled and its kiro-cli stopped. */
  async endSession(sessionKey: string): Promise<void> {
    const running = this.#running().filter((run) => run.sessionKey === sessionKey);
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
    this.#shuttingDown = true;
    const running = this.#running();
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
    for (const run of this.#running()) run.stop("shutdown");
  }

  counts(): { active: number; total: number } {
    return { active: this.#running().length, total: this.stats().runs_served };
  }

  stats(): RunnerStats {
    return this.#deps.stats.snapshot(this.#deps.driver.warmProcesses());
  }

  kiroCli(): { path: string; found: boolean } {
    return locateKiroCli(this.#deps.config.kiroCliPath);
  }

  /**
   * The run, or the summary of one whose events expired. Starts in progress are waited for
   * first; `unknown` runs before run_not_found is thrown.
   */
  async #find(runId: string, unknown?: () => void): Promise<Run | RunSummary> {
    const known = () => {
      const forgotten = this.#forgotten.get(runId);
      return this.#runs.get(runId) ?? (forgotten?.state === "expired" ? forgotten.summary : undefined);
    };
    let found = known();
    if (found === undefined) {
      await this.#pendingStarts.settled();
      found = known();
    }
    if (found !== undefined) return found;
    unknown?.();
    throw new RunnerFault(
      "run_not_found",
      `run ${runId} is not known to this runner (boot ${this.#deps.bootId})`,
    );
  }

  #assertNew(runId: string): void {
    if (this.#runs.has(runId)) throw new RunnerFault("run_exists", `run ${runId} already exists`);
    const forgotten = this.#forgotten.get(runId);
    if (forgotten?.state === "withdrawn") {
      throw new RunnerFault("run_exists", `run ${runId} was cancelled before it started`);
    }
    if (forgotten) throw new RunnerFault("run_exists", `run ${runId} already ran`);
  }

  #assertCapacity(user: string | undefined): void {
    if (this.#shuttingDown) {
      throw new RunnerFault(
        "shutting_down",
        "This Kiro runner is shutting down (a deploy or a restart): it lets its running turns finish but starts no new ones. Send the message again in a minute or two, once its replacement is up.",
      );
    }
    const running = this.#running().map((run) => this.#users.get(run.id) ?? "");
    const refusal = slotRefusal({ max: this.#deps.config.maxActiveRuns, running, user });
    if (refusal !== undefined) throw new RunnerFault("too_many_runs", refusal);
  }

  #running(): Run[] {
    return [...this.#runs.values()].filter((run) => run.status === "running");
  }

  /**
   * kiro-cli needs a key: the request's, or (unscoped) the runner's own unless local login is
   * allowed. A scoped user's run never falls back to the operator's key or login.
   */
  #requireAuth(apiKey: string | undefined, scope: RequestScope): void {
    const { config } = this.#deps;
    const own = scope.user === undefined;
    requireKiroAuth(apiKey !== undefined || (own && config.hasApiKey), own && config.allowLocalLogin);
  }

  /** The runner's own scope: the whole workspace and the runner's environment. */
  #unscoped(): RequestScope {
    const { workspace, cloner, config } = this.#deps;
    return {
      user: undefined,
      workspace,
      cloner,
      kiroHome: config.kiroHome,
      env: this.#deps.env ?? process.env,
    };
  }

  /**
   * kiro-cli's environment: the scope's (the runner's minus what it must not see, or a scoped
   * user's allowlist), with the user's key when the request brought one. That key is redacted
   * from everything the runner sends from now on.
   */
  #childEnv(apiKey: string | undefined, scope: RequestScope): NodeJS.ProcessEnv {
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

  /** Schedules deletion after the retention and keeps at most maxRetainedRuns finished runs. */
  #onEnded(run: Run): void {
    const { runRetentionMs, maxRetainedRuns } = this.#deps.config;
    setTimeout(() => this.#forget(run), runRetentionMs).unref();
    const finished = [...this.#runs.values()].filter((candidate) => candidate.status !== "running");
    for (const old of finished.slice(0, Math.max(0, finished.length - maxRetainedRuns))) this.#forget(old);
  }

  #forget(run: Run): void {
    if (this.#runs.get(run.id) !== run) return;
    this.#runs.delete(run.id);
    this.#users.delete(run.id);
    this.#forgotten.expired(run.summary());
    this.#deps.logger.info("run_forgotten", { run_id: run.id });
  }
}
