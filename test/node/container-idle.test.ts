/**
 * What a session container's one alarm does with its two deadlines (src/runner/container-idle.ts):
 * sleep after the idle time with nothing in flight, the debounced snapshot after the quiet time,
 * neither while a turn streams, nothing for a container that does not run.
 */
import { describe, expect, it } from "vitest";
import { type IdleState, planAlarm } from "../../src/runner/container-idle.ts";

const TIMES = { idleMs: 900_000, debounceMs: 60_000 };
const at = (state: Partial<IdleState>): IdleState => ({
  running: true,
  inflight: 0,
  activeAt: 0,
  snapshotAskedAt: null,
  now: 0,
  ...state,
});

describe("planAlarm", () => {
  it("does nothing, and sets no alarm, for a container that does not run", () => {
    expect(planAlarm(at({ running: false, now: 2_000_000 }), TIMES)).toEqual({
      snapshot: false,
      sleep: false,
      next: null,
    });
  });

  it("sleeps once the idle time has passed since the last activity, not before", () => {
    expect(planAlarm(at({ now: 899_999 }), TIMES)).toEqual({ snapshot: false, sleep: false, next: 900_000 });
    expect(planAlarm(at({ now: 900_000 }), TIMES)).toEqual({ snapshot: false, sleep: true, next: null });
  });

  it("never sleeps or snapshots while a request is in flight, and looks again later", () => {
    expect(planAlarm(at({ inflight: 1, now: 5_000_000 }), TIMES)).toEqual({
      snapshot: false,
      sleep: false,
      next: 5_900_000,
    });
    expect(planAlarm(at({ inflight: 1, snapshotAskedAt: 0, now: 5_000_000 }), TIMES)).toEqual({
      snapshot: false,
      sleep: false,
      next: 5_060_000,
    });
  });

  it("takes the debounced snapshot once quiet for the debounce time after the work and the last request", () => {
    const asked = { snapshotAskedAt: 10_000, activeAt: 30_000 };
    expect(planAlarm(at({ ...asked, now: 70_000 }), TIMES)).toEqual({
      snapshot: false,
      sleep: false,
      next: 90_000,
    });
    expect(planAlarm(at({ ...asked, now: 90_000 }), TIMES)).toEqual({
      snapshot: true,
      sleep: false,
      next: 930_000,
    });
  });

  it("leaves the snapshot of an idle container to its sleep", () => {
    expect(planAlarm(at({ snapshotAskedAt: 0, now: 900_000 }), TIMES)).toEqual({
      snapshot: false,
      sleep: true,
      next: null,
    });
  });
});
