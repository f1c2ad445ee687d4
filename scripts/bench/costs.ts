/**
 * What one call costs the server, beside how long it takes: the Durable Object requests it makes
 * (a serverless bill is made of them) and the CPU workerd spends on it. Both are counted, not
 * timed, so they hold on a busy machine where latencies do not.
 */

import { type Counts, countsSince, doRequests, total } from "./do-requests.ts";
import type { CpuProbe } from "./process-cpu.ts";

export interface Cost {
  /** How many units the figures are divided by (calls, tasks, pages). */
  units: number;
  /** Durable Object requests, by class and method, over all units. */
  requests: Counts;
  /** Durable Object requests per unit. */
  requestsPerUnit: number;
  /** workerd CPU milliseconds per unit (NaN without /proc). */
  cpuMsPerUnit: number;
}

/** Runs `work` (which does `units` units of something) and reports its cost per unit. */
export async function costOf(
  baseUrl: string,
  probe: CpuProbe,
  units: number,
  work: () => Promise<void>,
): Promise<Cost> {
  const before = await doRequests(baseUrl);
  const cpuBefore = probe.workerdMs();
  await work();
  const cpuMs = probe.workerdMs() - cpuBefore;
  const requests = countsSince(before, await doRequests(baseUrl));
  return { units, requests, requestsPerUnit: total(requests) / units, cpuMsPerUnit: cpuMs / units };
}

/** `n` calls of `call`, one after another. */
export function times(n: number, call: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    for (let i = 0; i < n; i++) await call();
  };
}
