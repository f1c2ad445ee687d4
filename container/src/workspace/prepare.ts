/**
 * Runs that make a session's clone: the clone of a new session as a run of its own (POST
 * /workspace/clone with a run id), and the clone made again before a turn when its directory is
 * missing (StartRunRequest.workspace: the session's container started without the snapshot that
 * held it). Both tell the reader what they do in `notice` updates, git's progress included (at
 * most one line every PROGRESS_EVERY_MS); a clone that fails ends the run with reason
 * prepare_failed and git's words, and leaves nothing behind.
 */
import type { TurnEnd, TurnHandle, TurnSink, TurnStart } from "../drivers/driver.ts";
import { stoppedVerdict } from "../drivers/verdict.ts";
import { type CloneRequest, messageOf, type WorkspaceSource, withoutCredentials } from "../protocol/index.ts";
import type { CloneOptions, WorkspaceCloner } from "./clone.ts";

/** How often git's progress becomes a notice, at most. */
const PROGRESS_EVERY_MS = 2_000;

/** The clone of a new session: its exit event's metadata is the CloneResponse. */
export function cloneRun(cloner: WorkspaceCloner, request: CloneRequest): TurnStart {
  return (sink) => {
    const abort = new AbortController();
    const ref = request.ref === undefined ? "" : ` (${request.ref})`;
    sink.update("notice", `Cloning ${withoutCredentials(request.url)}${ref}…`);
    const progress = new Progress(sink);
    cloner.clone(request, progress.options(abort.signal)).then(
      (cloned) => {
        progress.flush();
        sink.update("notice", `Cloned ${cloned.commit.slice(0, 12)} into ${cloned.path}.`);
        sink.metadata({ ...cloned });
        sink.end(completed());
      },
      (error: unknown) => sink.end(prepareFailed(error)),
    );
    return { stop: () => abort.abort() };
  };
}

/** The session's clone made again in `dir`, then the turn `turn` there. */
export function rebuildThenTurn(
  cloner: WorkspaceCloner,
  source: WorkspaceSource,
  dir: string,
  turn: TurnStart,
): TurnStart {
  return (sink) => {
    const abort = new AbortController();
    let handle: TurnHandle | undefined;
    sink.update(
      "notice",
      `The session's working directory ${dir} is gone (its container started without the snapshot that held it): cloning ${source.url} at ${source.commit.slice(0, 12)} again. Changes that were not pushed are lost.`,
    );
    const progress = new Progress(sink);
    cloner.rebuild(source, dir, progress.options(abort.signal)).then(
      (cloned) => {
        progress.flush();
        if (abort.signal.aborted) return sink.end(prepareFailed(new Error("stopped")));
        sink.update("notice", `Working directory rebuilt at ${cloned.commit.slice(0, 12)}.`);
        handle = turn(sink);
      },
      (error: unknown) => sink.end(prepareFailed(error)),
    );
    return {
      stop: (reason) => {
        abort.abort();
        handle?.stop(reason);
      },
    };
  };
}

function completed(): TurnEnd {
  return {
    exit: { code: 0, signal: null },
    verdict: (facts) => stoppedVerdict(facts) ?? { status: "completed", reason: "exited" },
  };
}

function prepareFailed(error: unknown): TurnEnd {
  return {
    exit: { code: null, signal: null },
    verdict: (facts) =>
      stoppedVerdict(facts) ?? { status: "failed", reason: "prepare_failed", error: messageOf(error) },
  };
}

/** git's progress lines as notices: the latest line, at most every PROGRESS_EVERY_MS. */
class Progress {
  readonly #sink: TurnSink;
  #latest = "";
  #sentAt = 0;

  constructor(sink: TurnSink) {
    this.#sink = sink;
  }

  options(signal: AbortSignal): CloneOptions {
    return { signal, progress: (text) => this.#push(text) };
  }

  #push(text: string): void {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    this.#latest = lines.at(-1)?.trim() ?? this.#latest;
    if (Date.now() - this.#sentAt >= PROGRESS_EVERY_MS) this.flush();
  }

  /** Sends the latest line unless it was sent already. */
  flush(): void {
    if (this.#latest === "") return;
    this.#sink.update("notice", this.#latest);
    this.#latest = "";
    this.#sentAt = Date.now();
  }
}
