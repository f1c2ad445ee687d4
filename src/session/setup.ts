/**
 * Setting a session up from a repository without holding the request: kiro_session_create answers
 * at once with the session `preparing`, while the clone runs on the runner as the session's setup
 * task (its progress readable with kiro_task_status). The setup task's end makes the session
 * `ready`, or `failed` with the reason (git's words, or a custom agent the clone does not have);
 * a session that is not ready takes no turns and says why.
 */
import { withoutCredentials } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError } from "../errors.ts";
import type { CloneResponse, RunnerClient } from "../runner/client.ts";
import type { ClonedRepository, SessionChange, SessionRecord, SessionSettings } from "./meta.ts";
import { cloneDirectoryName, requireAgent } from "./repository.ts";
import type { TaskEnd } from "./task-rows.ts";

/** The clone request for a new session's setup task, and what the session records meanwhile. */
export function setupClone(
  settings: SessionSettings & { repository: NonNullable<SessionSettings["repository"]> },
  sessionId: string,
  taskId: string,
  gitToken: string | undefined,
) {
  const { url, ref } = settings.repository;
  const source = { url: withoutCredentials(url), ref: ref ?? null };
  const path = settings.workingDirectory || cloneDirectoryName(url);
  return {
    request: { url, path, ref, git_token: gitToken, run_id: taskId, session_key: sessionId },
    label: `Clone ${source.url}${ref === undefined ? "" : ` (${ref})`} into ${path}`,
    record: { workingDirectory: path, state: "preparing" as const, setupTaskId: taskId, source },
  };
}

/**
 * What the setup task's end makes of the session: ready in the clone (once a custom agent is
 * found there), or failed with the reason.
 */
export async function setupEnded(
  meta: SessionRecord,
  end: TaskEnd,
  runner: RunnerClient,
): Promise<SessionChange> {
  const source = meta.source ?? { url: "the repository", ref: null };
  if (end.status !== "completed") {
    const why = end.error ?? `it ended ${end.status} (${end.reason})`;
    return { state: "failed", failure: `Cloning ${source.url} failed: ${why}` };
  }
  const clone = cloneOf(end.exitMetadata);
  if (clone === undefined) {
    return { state: "failed", failure: "The runner did not report where it cloned the repository." };
  }
  try {
    await requireAgent(runner, meta.agent, clone.path);
  } catch (error) {
    if (!(error instanceof KiroError)) throw error;
    return { state: "failed", failure: error.message };
  }
  const cloned: ClonedRepository = { ...source, commit: clone.commit, branch: clone.branch };
  return { state: "ready", workingDirectory: clone.path, cloned };
}

/** Refuses work in a session that is still being set up, or could not be. */
export function requireReady(meta: SessionRecord): void {
  if (meta.state === "preparing") {
    throw new KiroError(
      ErrorCode.Busy,
      `Session ${meta.sessionId} is still being set up: ${meta.source?.url ?? "its repository"} is being cloned (task ${meta.setupTaskId}; follow it with kiro_task_status). Try again once that task has completed.`,
    );
  }
  if (meta.state === "failed") {
    throw new KiroError(
      ErrorCode.CloneFailed,
      `Session ${meta.sessionId} could not be set up: ${meta.failure ?? "its clone failed"} End it with kiro_session_end and create another.`,
    );
  }
}

/** The runner's CloneResponse on a setup run's exit event. */
function cloneOf(metadata: Record<string, unknown> | undefined): CloneResponse | undefined {
  const { path, commit, branch } = metadata ?? {};
  if (typeof path !== "string" || typeof commit !== "string") return undefined;
  return { path, commit, branch: typeof branch === "string" ? branch : null };
}
