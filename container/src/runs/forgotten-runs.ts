/**
 * What the runner still knows of runs it no longer keeps: how a run ended once its events were
 * deleted after KIRO_RUN_RETENTION_MS (so a reader that comes back late learns that the turn
 * completed, not merely that the run is unknown), and the ids of runs withdrawn before they
 * started (a cancel that arrived before its start), whose start is then refused. Bounded: the
 * oldest entries are dropped first; a restarted runner knows none of them (its boot id says so).
 */
import type { RunSummary } from "../protocol/index.ts";

/** Entries kept at most: a summary is about 150 bytes. */
const MAX_FORGOTTEN_RUNS = 1_000;

export type ForgottenRun = { state: "expired"; summary: RunSummary } | { state: "withdrawn" };

export class ForgottenRuns {
  readonly #runs = new Map<string, ForgottenRun>();
  readonly #max: number;

  constructor(max: number = MAX_FORGOTTEN_RUNS) {
    this.#max = max;
  }

  /** The run ended and its events are gone: remember how it ended. */
  expired(summary: RunSummary): void {
    this.#set(summary.run_id, { state: "expired", summary });
  }

  /** A cancel named a run that does not exist (yet): a later start of it is refused. */
  withdrawn(runId: string): void {
    this.#set(runId, { state: "withdrawn" });
  }

  get(runId: string): ForgottenRun | undefined {
    return this.#runs.get(runId);
  }

  #set(runId: string, run: ForgottenRun): void {
    this.#runs.delete(runId);
    this.#runs.set(runId, run);
    for (const oldest of this.#runs.keys()) {
      if (this.#runs.size <= this.#max) break;
      this.#runs.delete(oldest);
    }
  }
}
