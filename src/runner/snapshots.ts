/**
 * A session's container across sleeps, restarts and deploys. Its disk is ephemeral, so the
 * container's filesystem — the clone and every change Kiro made, Kiro's conversations, the
 * runner's record of them — is snapshotted (`snapshotContainer`) after work and before it sleeps,
 * and each start restores the latest snapshot (`start({containerSnapshot})`) instead of starting
 * fresh from the image. A snapshot that cannot be used — none was taken, it expired (Cloudflare
 * keeps one 30 days after it was taken or last restored), it was taken from another runner image,
 * or restoring it failed — means a fresh start, and the start record says why, so the session
 * can rebuild what it can and tell the user. Kept in the container object's own SQLite.
 */
import { messageOf } from "../errors.ts";
import { migrate, type Sql } from "../storage/sql.ts";
import {
  type ContainerControl,
  RUNNER_IMAGE,
  RUNNER_INSTANCE,
  type StartSettings,
} from "./container-control.ts";

/** Cloudflare keeps a snapshot this long after it was taken or last restored. */
export const SNAPSHOT_TTL_MS = 30 * 24 * 60 * 60_000;

const NO_POLICY =
  'this deployment\'s container application uses the default scheduling policy, which cannot restore snapshots (wrangler.toml: scheduling_policy = "durable_object")';

const SCHEMA = [`CREATE TABLE snapshot_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`];

export interface SnapshotRecord {
  id: string;
  size: number;
  /** The image reference the container ran when it was taken. */
  image: string;
  takenAt: number;
  restoredAt: number | null;
  /** Why restoring it failed, once it has. */
  failed: string | null;
}

/** How the container last started: from a snapshot, or fresh (and why, when one existed). */
export interface StartRecord {
  /** Counts starts, from 1: a session compares it with the last one it saw. */
  seq: number;
  at: number;
  kind: "restored" | "fresh";
  /** When the snapshot restored (or the one that could not be) was taken. */
  snapshotTakenAt: number | null;
  /** Why a snapshot was not restored; null when there was none to restore. */
  reason: string | null;
}

export class ContainerSnapshots {
  readonly #control: ContainerControl;
  readonly #sql: Sql;
  readonly #now: () => number;

  constructor(control: ContainerControl, sql: Sql, now: () => number = Date.now) {
    this.#control = control;
    this.#sql = sql;
    this.#now = now;
    migrate(sql, SCHEMA);
  }

  /**
   * The options the platform's start() gets: the latest snapshot when it can be restored, else the
   * runner image. Remembers which, for started() and startFailed().
   */
  startOptions(settings: StartSettings): ContainerStartupOptions {
    const snapshot = this.#get<SnapshotRecord>("snapshot");
    const image = this.#image();
    if (image === undefined) {
      // The default scheduling policy: the image comes from wrangler.toml, and there are no snapshots.
      this.#put("pending", { kind: "fresh", snapshotTakenAt: null, reason: snapshot ? NO_POLICY : null });
      return settings;
    }
    const unusable = snapshot === undefined ? null : this.#unusable(snapshot, image);
    const base = { ...settings, instance: RUNNER_INSTANCE } as const;
    if (snapshot !== undefined && unusable === null) {
      this.#put("pending", { kind: "restored", snapshotTakenAt: snapshot.takenAt, reason: null });
      return { ...base, containerSnapshot: { id: snapshot.id } };
    }
    this.#put("pending", { kind: "fresh", snapshotTakenAt: snapshot?.takenAt ?? null, reason: unusable });
    return { ...base, image };
  }

  /** The container answered: its start is final. A restore refreshes the snapshot's lifetime. */
  started(): StartRecord | undefined {
    const pending = this.#get<Omit<StartRecord, "seq" | "at">>("pending");
    const previous = this.#get<StartRecord>("start");
    // Asked again about a container that was running all along: no new start to record.
    if (pending === undefined) return previous;
    const record: StartRecord = { seq: (previous?.seq ?? 0) + 1, at: this.#now(), ...pending };
    this.#sql.transaction(() => {
      this.#put("start", record);
      this.#sql.run("DELETE FROM snapshot_state WHERE key = 'pending'");
      const snapshot = this.#get<SnapshotRecord>("snapshot");
      if (record.kind === "restored" && snapshot)
        this.#put("snapshot", { ...snapshot, restoredAt: record.at });
    });
    return record;
  }

  /** The start failed: when it was a restore, that snapshot is not tried again. */
  startFailed(error: unknown): void {
    const pending = this.#get<Omit<StartRecord, "seq" | "at">>("pending");
    const snapshot = this.#get<SnapshotRecord>("snapshot");
    if (pending?.kind !== "restored" || snapshot === undefined) return;
    this.#put("snapshot", { ...snapshot, failed: messageOf(error).slice(0, 500) });
    this.#sql.run("DELETE FROM snapshot_state WHERE key = 'pending'");
  }

  /** Snapshots the running container (the previous snapshot stays the latest if this fails). */
  async take(name: string): Promise<SnapshotRecord | undefined> {
    const image = this.#image();
    if (!this.#control.running || image === undefined) return undefined;
    const changedAt = this.#get<number>("changed_at");
    const taken = await this.#control.snapshotContainer({ name });
    const record: SnapshotRecord = {
      id: taken.id,
      size: taken.size,
      image,
      takenAt: this.#now(),
      restoredAt: null,
      failed: null,
    };
    this.#sql.transaction(() => {
      this.#put("snapshot", record);
      // Work done while the snapshot was being taken still needs the next one.
      if (this.#get<number>("changed_at") === changedAt)
        this.#sql.run("DELETE FROM snapshot_state WHERE key = 'changed_at'");
    });
    return record;
  }

  /** Work happened in the container that the latest snapshot does not hold. */
  markChanged(): void {
    this.#put("changed_at", this.#now());
  }

  /** Whether the container holds work no snapshot has. */
  get changed(): boolean {
    return this.#get<number>("changed_at") !== undefined;
  }

  lastStart(): StartRecord | undefined {
    return this.#get<StartRecord>("start");
  }

  latest(): SnapshotRecord | undefined {
    return this.#get<SnapshotRecord>("snapshot");
  }

  /** Why `snapshot` cannot be restored now, or null when it can. */
  #unusable(snapshot: SnapshotRecord, image: string): string | null {
    const when = new Date(snapshot.takenAt).toISOString();
    if (snapshot.failed !== null) return `restoring the snapshot of ${when} failed (${snapshot.failed})`;
    if (snapshot.image !== image) {
      return `the runner image changed since the snapshot of ${when} was taken (a snapshot holds the image it was taken from)`;
    }
    const lastUse = Math.max(snapshot.takenAt, snapshot.restoredAt ?? 0);
    if (this.#now() - lastUse > SNAPSHOT_TTL_MS)
      return `the snapshot of ${when} expired (snapshots are kept 30 days)`;
    return null;
  }

  /** The runner image's reference; undefined under the default scheduling policy (no `images`). */
  #image(): string | undefined {
    return this.#control.images?.[RUNNER_IMAGE];
  }

  #get<T>(key: string): T | undefined {
    const row = this.#sql.one<{ value: string }>("SELECT value FROM snapshot_state WHERE key = ?", key);
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  #put(key: string, value: unknown): void {
    this.#sql.run(
      "INSERT INTO snapshot_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }
}
