import { LIMITS } from "../config.ts";

export interface ScheduleInput {
  now: number;
  running: boolean;
  /** When the oldest kept finished task ended, or null. */
  oldestEnded: number | null;
  lastActive: number;
  taskTtlMs: number;
  sessionIdleTtlMs: number;
}

/**
 * When the session object should next wake: soon while a task runs (the watchdog that resumes
 * streaming after an eviction), else when the oldest finished task expires or the session goes
 * idle, whichever comes first.
 */
export function nextAlarmAt(input: ScheduleInput): number {
  const candidates = [input.lastActive + input.sessionIdleTtlMs];
  if (input.running) candidates.push(input.now + LIMITS.WATCHDOG_INTERVAL_MS);
  if (input.oldestEnded !== null) candidates.push(input.oldestEnded + input.taskTtlMs);
  // Never in the past: a due sweep runs promptly, but not in a tight loop.
  return Math.max(Math.min(...candidates), input.now + 1_000);
}
