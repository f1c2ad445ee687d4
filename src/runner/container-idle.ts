/**
 * What a session container's alarm does. A Durable Object has one alarm, and the container has
 * two deadlines: it sleeps after CONTAINER_IDLE_MS with no request to it and none in flight (an
 * open event stream is a request in flight, so a running turn keeps it awake), and after work it
 * takes a snapshot once it has been quiet for the debounce time, so a burst of turns makes one.
 * Both are decided here from the clock and the container's state — a plain function, so the
 * tests drive it with their own clock.
 */

/** The container's state as its alarm sees it. */
export interface IdleState {
  /** The platform runs the container. */
  running: boolean;
  /** Requests proxied to the runner whose response body has not ended or been cancelled. */
  inflight: number;
  /** When the last request started or the last response ended (ms since the epoch). */
  activeAt: number;
  /** When a debounced snapshot was last asked for; null when none is pending. */
  snapshotAskedAt: number | null;
  now: number;
}

/** The two deadlines (ms). */
export interface IdleTimes {
  /** Quiet this long, nothing in flight: the container is snapshotted (if it changed) and stopped. */
  idleMs: number;
  /** Quiet this long after work: the debounced snapshot is taken. */
  debounceMs: number;
}

/** What this alarm does, and when the next one fires (null: none, the container is not running). */
export interface AlarmPlan {
  /** Take the debounced snapshot now. */
  snapshot: boolean;
  /** The container has been idle long enough: snapshot it if it changed, then stop it. */
  sleep: boolean;
  next: number | null;
}

export function planAlarm(state: IdleState, times: IdleTimes): AlarmPlan {
  const { now } = state;
  if (!state.running) return { snapshot: false, sleep: false, next: null };
  if (state.inflight > 0) {
    // A turn is streaming: no sleep, and no snapshot of a disk Kiro is writing to. Looked at again
    // later; a request that ends renews activeAt, from which both deadlines count.
    const wait = state.snapshotAskedAt === null ? times.idleMs : times.debounceMs;
    return { snapshot: false, sleep: false, next: now + wait };
  }
  const idleAt = state.activeAt + times.idleMs;
  if (now >= idleAt) return { snapshot: false, sleep: true, next: null };
  if (state.snapshotAskedAt === null) return { snapshot: false, sleep: false, next: idleAt };
  const snapshotAt = Math.max(state.snapshotAskedAt, state.activeAt) + times.debounceMs;
  if (now >= snapshotAt) return { snapshot: true, sleep: false, next: idleAt };
  return { snapshot: false, sleep: false, next: Math.min(snapshotAt, idleAt) };
}
