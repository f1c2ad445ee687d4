/**
 * Which runs the runner knows, and for how long. It holds the live runs (with the user each
 * belongs to, for the fair share of slots), orders starts before lookups (PendingStarts: "not
 * found" means the runner has no such run, never "not started yet"), and forgets finished runs
 * after KIRO_RUN_RETENTION_MS, the oldest first beyond KIRO_MAX_RETAINED_RUNS. A forgotten run is
 * still accounted for (ForgottenRuns): how it ended, or that it was withdrawn before it started.
 */
import type { RunnerConfig } from "../config.ts";
import { RunnerFault } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RunSummary } from "../protocol/index.ts";
import { ForgottenRuns } from "./forgotten-runs.ts";
import { PendingStarts } from "./pending-starts.ts";
import type { Run } from "./run.ts";

export interface RunRegistryDeps {
  config: Pick<RunnerConfig, "runRetentionMs" | "maxRetainedRuns">;
  logger: Logger;
  bootId: string;
}

export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  /** The user (RequestScope.user, "" unscoped) of each run, for the fair share of slots. */
  readonly #users = new Map<string, string>();
  readonly #forgotten = new ForgottenRuns();
  readonly #pendingStarts = new PendingStarts();
  readonly #deps: RunRegistryDeps;

  constructor(deps: RunRegistryDeps) {
    this.#deps = deps;
  }

  /** Runs `start` as a start in progress: lookups wait for it until it is started or refused. */
  track<T>(start: () => Promise<T>): Promise<T> {
    return this.#pendingStarts.track(start);
  }

  /** Keeps a new run, of `user` ("" unscoped). */
  add(run: Run, user: string): void {
    this.#users.set(run.id, user);
    this.#runs.set(run.id, run);
  }

  /** Refuses a run id this runner has (or had) a run for, or whose run was withdrawn. */
  assertNew(runId: string): void {
    if (this.#runs.has(runId)) throw new RunnerFault("run_exists", `run ${runId} already exists`);
    const forgotten = this.#forgotten.get(runId);
    if (forgotten?.state === "withdrawn") {
      throw new RunnerFault("run_exists", `run ${runId} was cancelled before it started`);
    }
    if (forgotten) throw new RunnerFault("run_exists", `run ${runId} already ran`);
  }

  /**
   * The run, or the summary of one whose events expired. Starts in progress are waited for
   * first; `unknown` runs before run_not_found is thrown.
   */
  async find(runId: string, unknown?: () => void): Promise<Run | RunSummary> {
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

  /** A cancel named a run that does not exist (yet): a later start of it is refused. */
  withdraw(runId: string): void {
    this.#forgotten.withdrawn(runId);
  }

  running(): Run[] {
    return [...this.#runs.values()].filter((run) => run.status === "running");
  }

  /** The user of each running run ("" for unscoped runs). */
  runningUsers(): string[] {
    return this.running().map((run) => this.#users.get(run.id) ?? "");
  }

  /** Schedules deletion after the retention and keeps at most maxRetainedRuns finished runs. */
  ended(run: Run): void {
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
