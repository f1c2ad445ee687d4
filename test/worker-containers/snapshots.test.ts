/**
 * A session's work survives its container: through the real MCP client, the real session object
 * and the real KiroContainer on the platform's container API, with a platform whose containers are real
 * runner processes with disks of their own (fake-container.ts, container-host.ts). The container
 * snapshots its disk before it sleeps, and its next start restores the snapshot — the clone, the
 * files Kiro wrote and Kiro's conversation all come back. A snapshot that cannot be restored
 * (expired, another runner image, failed) makes a fresh container: the clone is made again at the
 * session's commit, Kiro starts a new conversation, and the user is told why, on the next task
 * and in kiro_session_list.
 */
import { env, runInDurableObject } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { KiroContainer } from "../../src/runner/container.ts";
import type { SnapshotRecord } from "../../src/runner/snapshots.ts";
import {
  callTool,
  createFromRepository,
  pollUntilDone,
  type SessionInfoLike,
  sessionInfo,
  startTask,
} from "../helpers/mcp-client.ts";
import { connect } from "../worker/mcp.ts";
import { FAKE_RUNNER_IMAGE } from "./fake-container.ts";

const repo = inject("gitRepository");
const host = inject("containerHostUrl");

let client: Client;
beforeEach(async () => {
  client = await connect();
});
afterEach(async () => {
  await client.close();
});

function container(sessionId: string) {
  return env.KIRO_CONTAINER.getByName(`user:local/${sessionId}`);
}

/** A turn to its end: its chunks, the answer's text, and the ACP session id the stand-in printed. */
async function turn(sessionId: string, message: string) {
  const started = await startTask(client, message, sessionId);
  const { chunks, final } = await pollUntilDone(client, started.task_id);
  const text = chunks
    .filter((chunk) => chunk.kind === "text")
    .map((chunk) => chunk.content)
    .join("");
  const notices = chunks.filter((chunk) => chunk.kind === "notice").map((chunk) => chunk.content);
  return { final, text, notices, conversation: /session=(\S+)/.exec(text)?.[1] };
}

/** The container goes idle, as after CONTAINER_IDLE_MS of quiet: it snapshots, then stops. */
async function sleep(sessionId: string): Promise<void> {
  const stub = container(sessionId);
  expect(await runInDurableObject(stub, (instance: KiroContainer) => instance.sleep())).toBe(true);
  for (let tries = 0; (await stub.status()).status !== "stopped" && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the platform was asked to start a container from (test/helpers/container-host.ts). */
interface StartLog {
  id: string;
  snapshot: string | null;
  image: string | null;
  instance: unknown;
}

async function starts(sessionId: string): Promise<StartLog[]> {
  const id = env.KIRO_CONTAINER.idFromName(`user:local/${sessionId}`).toString();
  const log = (await (await fetch(`${host}/log`)).json()) as StartLog[];
  return log.filter((entry) => entry.id === id);
}

async function changedFiles(sessionId: string): Promise<string[]> {
  const diff = await callTool<{ files: Array<{ path: string }> }>(client, "kiro_workspace_diff", {
    session_id: sessionId,
  });
  expect(diff.isError, diff.text).toBe(false);
  return diff.data.files.map((file) => file.path);
}

/** Changes the container's record of its latest snapshot, as time or a deploy would. */
async function ageSnapshot(
  sessionId: string,
  change: (snapshot: SnapshotRecord) => SnapshotRecord,
): Promise<void> {
  await runInDurableObject(container(sessionId), (_instance, state) => {
    const row = state.storage.sql
      .exec("SELECT value FROM snapshot_state WHERE key = 'snapshot'")
      .toArray()[0];
    const snapshot = JSON.parse(String(row?.value)) as SnapshotRecord;
    state.storage.sql.exec(
      "UPDATE snapshot_state SET value = ? WHERE key = 'snapshot'",
      JSON.stringify(change(snapshot)),
    );
  });
}

async function readySession(directory: string): Promise<SessionInfoLike> {
  const { session } = await createFromRepository(client, {
    repository: repo.url,
    working_directory: directory,
  });
  expect(session.state, JSON.stringify(session)).toBe("ready");
  return session;
}

describe("a session's container across a sleep", () => {
  it("snapshots before it sleeps and restores the snapshot: the files and the conversation come back", async () => {
    const session = await readySession("kept");
    const first = await turn(session.session_id, "@session-id\n@write notes.txt kept\\n");
    expect(first.conversation).toBeDefined();
    await sleep(session.session_id);
    const second = await turn(session.session_id, "@session-id\n@recall");
    expect(second.final.status).toBe("completed");
    expect(second.conversation).toBe(first.conversation);
    expect(second.text).toContain("recall: 1 earlier turn(s)");
    expect(second.notices).toEqual([]);
    expect(await changedFiles(session.session_id)).toEqual(["notes.txt"]);
    const [fresh, restored] = await starts(session.session_id);
    expect(fresh).toMatchObject({ snapshot: null, image: FAKE_RUNNER_IMAGE, instance: "standard-1" });
    expect(restored).toMatchObject({
      snapshot: expect.stringMatching(/^snap-/),
      image: null,
      instance: "standard-1",
    });
    expect((await sessionInfo(client, session.session_id)).workspace_notice).toBeNull();
  });
});

describe("a snapshot that cannot be restored", () => {
  it.each([
    [
      "expired",
      (s: SnapshotRecord) => ({ ...s, takenAt: s.takenAt - 31 * 86_400_000 }),
      /expired \(snapshots are kept 30 days\)/,
    ],
    [
      "taken from another runner image",
      (s: SnapshotRecord) => ({ ...s, image: "registry.cloudflare.com/test/kiro-runner@sha256:0000" }),
      /the runner image changed/,
    ],
  ])(
    "%s: a fresh container, the clone made again, a new conversation, and the user told why",
    async (_name, change, why) => {
      const session = await readySession(`lost-${crypto.randomUUID().slice(0, 8)}`);
      const first = await turn(session.session_id, "@session-id\n@write unpushed.txt gone\\n");
      await sleep(session.session_id);
      await ageSnapshot(session.session_id, change);
      const next = await turn(session.session_id, "@session-id\n@recall");
      expect(next.final.status).toBe("completed");
      expect(next.notices[0]).toMatch(why);
      expect(next.notices[0]).toContain(`cloned again from ${repo.url} at ${repo.commit.slice(0, 12)}`);
      expect(next.notices.some((notice) => notice.includes("is gone"))).toBe(true);
      expect(next.conversation).not.toBe(first.conversation);
      expect(next.text).toContain("recall: 0 earlier turn(s)");
      expect(await changedFiles(session.session_id)).toEqual([]);
      expect((await sessionInfo(client, session.session_id)).workspace_notice?.text).toMatch(why);
      expect((await starts(session.session_id)).at(-1)).toMatchObject({
        snapshot: null,
        image: FAKE_RUNNER_IMAGE,
      });
    },
  );

  it("failed to restore: the next start is fresh, and says the restore failed", async () => {
    const session = await readySession("failed-restore");
    await turn(session.session_id, "@write unpushed.txt gone\\n");
    await sleep(session.session_id);
    await fetch(`${host}/forget-snapshots`, { method: "POST" });
    const next = await turn(session.session_id, "hello");
    expect(next.final.status, JSON.stringify(next.final)).toBe("completed");
    expect(next.notices[0]).toMatch(/restoring the snapshot of .* failed/);
    const log = await starts(session.session_id);
    expect(log.at(-2)).toMatchObject({ snapshot: expect.stringMatching(/^snap-/) });
    expect(log.at(-1)).toMatchObject({ snapshot: null, image: FAKE_RUNNER_IMAGE });
  });
});
