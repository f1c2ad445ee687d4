/**
 * ContainerSnapshots on its own, in a Durable Object's real SQLite, with a platform handle that
 * satisfies ContainerControl (itself checked against the real `Container` type): what each start
 * starts from, and why, as the clock and the snapshots change.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import type { ContainerControl } from "../../src/runner/container-control.ts";
import { ContainerSnapshots, SNAPSHOT_TTL_MS } from "../../src/runner/snapshots.ts";
import { durableSql } from "../../src/storage/sql.ts";

const DAY = 86_400_000;
const IMAGE = "registry.cloudflare.com/test/kiro-runner@sha256:aaaa";
const SETTINGS = { enableInternet: true, env: { KIRO_WORKSPACE_ROOT: "/workspace" } };

/** A platform handle that records its starts and hands out numbered snapshots. */
function platform(images: Record<string, string> = { runner: IMAGE }) {
  const calls: ContainerStartupOptions[] = [];
  let taken = 0;
  const control: ContainerControl & { running: boolean } = {
    running: false,
    images,
    start(options) {
      calls.push(options);
      control.running = true;
    },
    async snapshotContainer(options) {
      taken += 1;
      return { id: `snap-${taken}`, size: 1000 * taken, ...(options.name && { name: options.name }) };
    },
  };
  return { control, calls };
}

function inObject<T>(body: (sql: ReturnType<typeof durableSql>) => Promise<T>): Promise<T> {
  const stub = env.KIRO_SESSION.getByName(`snapshots-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_instance, state) => body(durableSql(state.storage)));
}

it("starts fresh from the runner image when there is no snapshot, and counts starts once each", async () => {
  await inObject(async (sql) => {
    const { control, calls } = platform();
    const snapshots = new ContainerSnapshots(control, sql, () => 1_000);
    control.start(snapshots.startOptions(SETTINGS));
    expect(calls).toEqual([{ ...SETTINGS, instance: "standard-1", image: IMAGE }]);
    expect(snapshots.started()).toEqual({
      seq: 1,
      at: 1_000,
      kind: "fresh",
      snapshotTakenAt: null,
      reason: null,
    });
    // Asked again about a container that was running all along: not a new start.
    expect(snapshots.started()?.seq).toBe(1);
  });
});

it("restores the latest snapshot, which each restore keeps alive for another 30 days", async () => {
  await inObject(async (sql) => {
    let now = 10 * DAY;
    const { control, calls } = platform();
    const snapshots = new ContainerSnapshots(control, sql, () => now);
    control.start(snapshots.startOptions(SETTINGS));
    snapshots.started();
    snapshots.markChanged();
    expect(snapshots.changed).toBe(true);
    expect(await snapshots.take("kiro-1")).toMatchObject({ id: "snap-1", image: IMAGE, takenAt: 10 * DAY });
    expect(snapshots.changed).toBe(false);
    now += 29 * DAY;
    expect(snapshots.startOptions(SETTINGS)).toEqual({
      ...SETTINGS,
      instance: "standard-1",
      containerSnapshot: { id: "snap-1" },
    });
    expect(snapshots.started()).toMatchObject({ seq: 2, kind: "restored", snapshotTakenAt: 10 * DAY });
    now += 29 * DAY; // 58 days after it was taken, 29 after its last restore
    expect(snapshots.startOptions(SETTINGS)).toMatchObject({ containerSnapshot: { id: "snap-1" } });
    expect(calls).toHaveLength(1);
  });
});

it("starts fresh, saying why, from a snapshot that expired, came from another image or failed to restore", async () => {
  await inObject(async (sql) => {
    let now = 0;
    const images = { runner: IMAGE };
    const { control } = platform(images);
    const snapshots = new ContainerSnapshots(control, sql, () => now);
    control.start(snapshots.startOptions(SETTINGS));
    snapshots.started();
    await snapshots.take("kiro-1");
    now = SNAPSHOT_TTL_MS + 1;
    expect(snapshots.startOptions(SETTINGS)).toMatchObject({ image: IMAGE });
    expect(snapshots.started()?.reason).toMatch(/^the snapshot of 1970-01-01T00:00:00.000Z expired/);

    await snapshots.take("kiro-2");
    images.runner = "registry.cloudflare.com/test/kiro-runner@sha256:bbbb";
    expect(snapshots.startOptions(SETTINGS)).toMatchObject({ image: images.runner });
    expect(snapshots.started()?.reason).toMatch(/the runner image changed since the snapshot/);

    await snapshots.take("kiro-3");
    expect(snapshots.startOptions(SETTINGS)).toMatchObject({ containerSnapshot: { id: "snap-3" } });
    snapshots.startFailed(new Error("the snapshot could not be read"));
    expect(snapshots.startOptions(SETTINGS)).toMatchObject({ image: images.runner });
    expect(snapshots.started()?.reason).toMatch(/failed \(the snapshot could not be read\)$/);
  });
});

it("keeps work done while a snapshot is taken for the next one, and takes none of a stopped container", async () => {
  await inObject(async (sql) => {
    const { control } = platform();
    const snapshots = new ContainerSnapshots(control, sql, () => Date.now());
    expect(await snapshots.take("kiro-0")).toBeUndefined();
    control.running = true;
    snapshots.markChanged();
    const original = control.snapshotContainer.bind(control);
    control.snapshotContainer = async (options) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      snapshots.markChanged(); // a turn ended while the snapshot was being taken
      return original(options);
    };
    await snapshots.take("kiro-1");
    expect(snapshots.changed).toBe(true);
  });
});

it("under the default scheduling policy (no images) starts as wrangler.toml says and takes no snapshots", async () => {
  await inObject(async (sql) => {
    const { control } = platform({});
    const snapshots = new ContainerSnapshots(control, sql);
    expect(snapshots.startOptions(SETTINGS)).toEqual(SETTINGS);
    control.running = true;
    expect(await snapshots.take("kiro-1")).toBeUndefined();
  });
});
