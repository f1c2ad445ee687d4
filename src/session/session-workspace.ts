/**
 * The session object's part in its workspace: the clone a session is set up by (its end makes the
 * session ready or failed), where the clone comes from (so a runner can make it again), the
 * notice a user must read on the next task, and getting work out (diff, file, push).
 */
import type { WorkspaceSource } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError, messageOf } from "../errors.ts";
import type { ReadFileResponse, RunnerClient } from "../runner/client.ts";
import { gitTokenFor } from "../secrets/git-token.ts";
import type { Logger } from "../util/log.ts";
import type { SessionMeta, SessionRecord } from "./meta.ts";
import { callRunner } from "./runner-call.ts";
import { requireReady, setupEnded } from "./setup.ts";
import type { TaskEnd, TaskStore } from "./task-store.ts";
import { type DiffView, type PushView, sessionDiff, sessionFile, sessionPush } from "./workspace-out.ts";

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

  /** The setup task ended: the session becomes ready in its clone, or failed with why. */
  async setupEnded(meta: SessionRecord, end: TaskEnd): Promise<void> {
    const { log } = this.#deps;
    try {
      const change = await setupEnded(meta, end, this.#deps.runner());
      if (!this.#deps.meta.read()) return;
      this.#deps.meta.update(change);
      log.info("session.setup_ended", { session_id: meta.sessionId, state: change.state });
    } catch (error) {
      this.#deps.meta.update({
        state: "failed",
        failure: `Setting the session up failed: ${messageOf(error)}`,
      });
      log.warn("session.setup_failed", { session_id: meta.sessionId, error: String(error) });
    }
  }

  /** Where a session's clone comes from, so its runner can make it again if it is gone. */
  async source(meta: SessionRecord): Promise<WorkspaceSource | undefined> {
    if (!meta.cloned) return undefined;
    const { url, commit, branch } = meta.cloned;
    return { url, commit, branch: branch ?? null, git_token: await gitTokenFor(this.#deps.env, meta.userId) };
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
