/**
 * What the runner has done since it started, for GET /health `stats` (kiro_pool_stats): runs
 * served and running means of how long kiro-cli took to take a prompt and to show something.
 */
import type { RunnerStats } from "../protocol/index.ts";

/** What a run reports about itself. */
export interface StatsRecorder {
  /** Start request → kiro-cli has the prompt (headless: spawned; acp: session/prompt sent). */
  accepted(ms: number): void;
  /** Start request → the run's first output or update event. */
  firstEvent(ms: number): void;
}

class Mean {
  #count = 0;
  #total = 0;

  add(value: number): void {
    this.#count += 1;
    this.#total += value;
  }

  get value(): number | null {
    return this.#count === 0 ? null : Math.round(this.#total / this.#count);
  }
}

export class RunnerStatsTracker implements StatsRecorder {
  #runsServed = 0;
  readonly #spawn = new Mean();
  readonly #firstOutput = new Mean();

  runStarted(): void {
    this.#runsServed += 1;
  }

  accepted(ms: number): void {
    this.#spawn.add(ms);
  }

  firstEvent(ms: number): void {
    this.#firstOutput.add(ms);
  }

  snapshot(warmProcesses: number): RunnerStats {
    return {
      runs_served: this.#runsServed,
      warm_processes: warmProcesses,
      mean_spawn_ms: this.#spawn.value,
      mean_first_output_ms: this.#firstOutput.value,
    };
  }
}
