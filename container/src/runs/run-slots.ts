/**
 * Fair share of a runner's run slots (KIRO_MAX_ACTIVE_RUNS) among the users of a shared host
 * runner, so that two users at their own limits cannot lock everyone else out:
 * - one user's runs take at most half of the slots (at least one);
 * - a user's second and later runs never take the last quarter of the slots (at least one): those
 *   stay free for users who have no run at all.
 * With max 8: at most 4 per user, and 6 for users who already run something. Unscoped runs (a
 * container, the local user) are one user's, and only the total counts.
 */
export interface SlotRequest {
  max: number;
  /** The user of each running run ("" for unscoped runs). */
  running: readonly string[];
  /** The user asking; undefined: unscoped. */
  user: string | undefined;
}

/** Why the run may not start now, or undefined when it may. */
export function slotRefusal({ max, running, user }: SlotRequest): string | undefined {
  if (running.length >= max) return `${max} runs are already active (KIRO_MAX_ACTIVE_RUNS); retry later`;
  if (user === undefined) return undefined;
  const mine = running.filter((owner) => owner === user).length;
  if (mine === 0) return undefined;
  const perUser = Math.max(1, Math.floor(max / 2));
  if (mine >= perUser) {
    return `you already have ${mine} runs on this shared runner, the most one user may (half of its ${max}, KIRO_MAX_ACTIVE_RUNS); retry when one ends`;
  }
  const reserved = Math.max(1, Math.floor(max / 4));
  if (running.length >= max - reserved) {
    return `this shared runner keeps its last ${reserved} of ${max} run slots for users with no run yet; retry when one of your runs ends`;
  }
  return undefined;
}
