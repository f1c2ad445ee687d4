/**
 * The session object's part in its workspace: the clone a session is set up by (its end makes the
 * session ready or failed), its container's starts (a workspace that did not come back is told)
 * and snapshots (asked for after work), where the clone comes from (so a runner can make it
 * again), the notice a user must read on the next task, and getting work out (diff, file, push).
 */
import type { WorkspaceSource } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError, messageOf } from "../errors.ts";
import { newTaskId, sessionObjectName } from "../ids.ts";
import type { ReadFileResponse, RunnerClient } from "../runner/client.ts";
import { gitTokenFor } from "../secrets/git-token.ts";
import type { SecretValues } from "../secrets/store.ts";
import { settings } from "../settings.ts";
import type { Logger } from "../util/log.ts";
import { startChange } from "./container-starts.ts";
import type { SessionMeta, SessionRecord, SessionSettings } from "./meta.ts";
import { callRunner } from "./runner-call.ts";
import { requireReady, setupClone, setupEnded } from "./setup.ts";
import type { TaskEnd } from "./task-rows.ts";
import type { TaskStore } from "./task-store.ts";
import { type DiffView, type PushView, sessionDiff, sessionFile, sessionPush } from "./workspace-out.ts";

type RepositorySettings = NonNullable<SessionSettings["repository"]>;

export interface SessionWorkspaceDeps {
  env: Env;
  meta: SessionMeta;
  store: TaskStore;
  runner: () => RunnerClient;
  log: Logger;
}

export class SessionWorkspace {
  readonly #deps: SessionWorkspaceDeps;

  constructor(deps: SessionWorkspaceDeps) {
    this.#deps = deps;
  }

  /**
   * Sets a new session up from a repository: its record (preparing), its setup task, and the clone
   * started on the runner as that task's run. A clone the runner refuses at once (a bad URL, a
   * target that is not empty) creates nothing: `storage.drop` deletes what was written.
   */
  async setUp(
    request: SessionSettings & { userId: string; sessionId: string; repository: RepositorySettings },
    runner: RunnerClient,
    storage: { create(): void; drop(): Promise<void> },
  ): Promise<void> {
    const { userId, sessionId, agent } = request;
    const taskId = newTaskId(sessionId);
    const setup = setupClone(request, sessionId, taskId, await gitTokenFor(this.#deps.env, userId));
    storage.create();
    this.#deps.meta.write({ userId, sessionId, agent, cloned: null, createdAt: Date.now(), ...setup.record });
    this.#deps.store.createSetup(taskId, setup.label, Date.now());
    try {
      const started = await this.#call(() => runner.startClone(setup.request));
      this.#deps.store.setBootId(taskId, started.boot_id);
    } catch (error) {
      await storage.drop();
      throw error;
    }
    this.#deps.log.info("session.setup_started", { session_id: sessionId, task_id: taskId });
  }

  /** The setup task ended: the session becomes ready in its clone, or failed with why. */
  async setupEnded(meta: SessionRecord, end: TaskEnd): Promise<void> {
    const { log } = this.#deps;
    try {
      const change = await setupEnded(meta, end, this.#deps.runner());
      if (!this.#deps.meta.read()) return;
      this.#deps.meta.update(change);
      log.info("session.setup_ended", { session_id: meta.sessionId, state: change.state });
      if (change.state === "ready") {
        // The clone's container start is where the session's work begins; the clone is its first work.
        await this.beforeTurn(this.#deps.meta.read() ?? meta);
        this.workDone(meta);
      }
    } catch (error) {
      this.#deps.meta.update({
        state: "failed",
        failure: `Setting the session up failed: ${messageOf(error)}`,
      });
      log.warn("session.setup_failed", { session_id: meta.sessionId, error: String(error) });
    }
  }

  /**
   * Before a turn, in a session with its own container: starts it (from its snapshot when it can)
   * and takes account of how it started — a workspace that did not come back is told on this
   * turn's task and starts a new conversation. Returns the session's record as it now is.
   */
  async beforeTurn(meta: SessionRecord): Promise<SessionRecord> {
    const container = this.#container(meta);
    if (container === undefined) return meta;
    try {
      let report = await container.ensureStarted();
      // A restore that failed is not tried again: the second start is a fresh one.
      if (!report.started) report = await container.ensureStarted();
      const change = startChange(meta, report.last, Date.now());
      if (change) this.#deps.meta.update(change);
      if (change?.notice) this.#deps.log.warn("session.workspace_lost", { session_id: meta.sessionId });
    } catch (error) {
      // The turn's own runner request says what is wrong with the container.
      this.#deps.log.warn("session.container_check", { session_id: meta.sessionId, error: messageOf(error) });
    }
    return this.#deps.meta.read() ?? meta;
  }

  /** Work ended in the workspace (a turn, the clone): the container snapshots it soon. */
  workDone(meta: SessionRecord): void {
    this.#deps.meta.update({ workAt: Date.now() });
    this.#container(meta)
      ?.snapshotSoon()
      .catch((error: unknown) =>
        this.#deps.log.warn("session.snapshot_request", {
          session_id: meta.sessionId,
          error: messageOf(error),
        }),
      );
  }

  /** The session's own container; undefined with a host runner (KIRO_RUNNER_URL), whose disk stays. */
  #container(meta: SessionRecord) {
    if (settings(this.#deps.env).runnerUrl) return undefined;
    return this.#deps.env.KIRO_CONTAINER.getByName(sessionObjectName(meta.userId, meta.sessionId));
  }

  /**
   * Where a session's clone comes from, so its runner can make it again if it is gone; the git
   * credential is the user's own GIT_TOKEN, from `secrets`.
   */
  source(meta: SessionRecord, secrets: SecretValues): WorkspaceSource | undefined {
    if (!meta.cloned) return undefined;
    const { url, commit, branch } = meta.cloned;
    return { url, commit, branch: branch ?? null, git_token: secrets.GIT_TOKEN };
  }

  /** Puts the session's pending workspace notice on task `taskId`, first of its output. */
  deliverNotice(taskId: string): void {
    const notice = this.#deps.meta.read()?.notice;
    if (!notice?.pending) return;
    this.#deps.store.notice(taskId, notice.text, Date.now());
    this.#deps.meta.update({ notice: { ...notice, pending: false } });
  }

  diff(meta: SessionRecord, path: string | undefined): Promise<DiffView> {
    requireReady(meta);
    return this.#call(() => sessionDiff(this.#deps.runner(), meta, path));
  }

  /** Refused while a turn runs: the branch should hold finished work. */
  async push(meta: SessionRecord, branch: string, message: string | undefined): Promise<PushView> {
    requireReady(meta);
    const running = this.#deps.store.running().find((task) => task.kind === "turn");
    if (running) {
      throw new KiroError(
        ErrorCode.Busy,
        `Task ${running.id} is still running: push once it has ended, so the branch holds finished work.`,
      );
    }
    const gitToken = await gitTokenFor(this.#deps.env, meta.userId);
    const pushed = await this.#call(() =>
      sessionPush(this.#deps.runner(), meta, { branch, message, gitToken }),
    );
    this.#deps.log.info("workspace.pushed", { session_id: meta.sessionId, files: pushed.files_changed });
    return pushed;
  }

  readFile(meta: SessionRecord, path: string): Promise<ReadFileResponse> {
    requireReady(meta);
    return this.#call(() => sessionFile(this.#deps.runner(), meta, path));
  }

  #call<T>(call: () => Promise<T>): Promise<T> {
    return callRunner(this.#deps.log, call);
  }
}
