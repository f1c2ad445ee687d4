/**
 * The runner's HTTP API: endpoints, request and response bodies, and the events of a run, as
 * both the Worker (session Durable Object) and the runner process read and write them.
 *
 * Endpoints (all JSON unless said otherwise; every request carries the runner's credential in
 * RUNNER_SECRET_HEADER — a container's own, derived by the Worker, or a host runner's secret):
 *
 *   GET  /health                      → 200 RunnerHealth
 *   POST /workspace/resolve           ResolveWorkspaceRequest → 200 ResolveWorkspaceResponse
 *   POST /runs                        StartRunRequest → 201 StartRunResponse
 *   GET  /runs/:id                    → 200 RunSummary (also for a run whose events expired)
 *   GET  /runs/:id/events?after=N     → 200 application/x-ndjson, one RunEvent per line, every
 *                                       event with seq > N, then live events as they happen; the
 *                                       body ends after the terminal `exit` event. A reader that
 *                                       loses the stream reconnects with the last seq it stored.
 *                                       `after` absent = 0. 410 events_evicted when seq N+1 is no
 *                                       longer kept; 400 when N is beyond the last seq of a running
 *                                       run; an empty body when N >= the exit event's seq; 410
 *                                       run_expired when the run ended and its events were deleted.
 *                                       While the run is live, a HeartbeatLine follows whenever
 *                                       EVENT_STREAM_HEARTBEAT_MS pass without a line, so a reader
 *                                       can tell a silent runner from a quiet turn. The runner
 *                                       writes only as fast as the reader reads: a reader that
 *                                       falls behind past what the run log keeps sees its stream
 *                                       end, and its reconnect answers 410 events_evicted.
 *   POST /sessions/:key/command       CommandRequest → 200 CommandResponse: a Kiro slash command
 *                                       (ACP driver only; `unsupported` under headless).
 *   POST /sessions/:key/reset         → 200 {}: the session's next run starts a new conversation
 *                                       (ACP: drops the saved ACP session id and stops the warm
 *                                       process; headless: nothing to do, the Worker stops passing
 *                                       `resume`).
 *   DELETE /sessions/:key             → 200 {}: cancels the session's runs and stops its warm
 *                                       kiro-cli process (the Kiro session ended).
 *   GET  /agents?cwd=PATH             → 200 AgentsResponse: Kiro's built-in agent, the custom
 *                                       agents in $KIRO_HOME/agents and in PATH/.kiro/agents.
 *   POST /workspace/files             WriteFileRequest → 200 WriteFileResponse: writes a file
 *                                       inside the workspace root (escapes refused as for cwd).
 *   POST /workspace/clone             CloneRequest → 200 CloneResponse: a shallow `git clone` into
 *                                       a new or empty directory inside the workspace root
 *                                       (escapes refused as for cwd). 422 clone_failed when git
 *                                       fails or exceeds KIRO_CLONE_TIMEOUT_MS (default 5 min);
 *                                       the partial clone is removed.
 *   POST /workspace/diff, GET /workspace/file, POST /workspace/push: a session's work out of its
 *                                       clone (workspace.ts).
 *   POST /runs/:id/permissions/:key   PermissionAnswer → 200 {}: answers the permission request
 *                                       Kiro asked a client under KIRO_TRUST=ask (permissions.ts);
 *                                       409 permission_not_pending once it was answered, timed
 *                                       out or the turn ended; 400 for an option Kiro did not offer.
 *   POST /runs/:id/cancel             → 200 RunSummary (idempotent; a finished run is unchanged).
 *                                       Answers once the run has ended (exit event written), so
 *                                       the summary's status is final: at most the kill grace
 *                                       period (KIRO_CANCEL_GRACE_MS, default 3 s) plus a moment.
 *                                       An unknown run answers run_not_found and stays withdrawn:
 *                                       a POST /runs for its id that arrives later is refused
 *                                       (run_exists), so a start its caller gave up on never runs.
 *
 * POST /runs checks, in order: the body (unknown fields are refused), run_exists, kiro_cli_missing,
 * kiro_auth_missing, too_many_runs, then the working directory (workspace_escape/_missing).
 * Starts are ordered before lookups: a request naming a run (summary, events, cancel) that
 * arrives while a POST /runs is still being read or checked waits for it, so "not found" always
 * means the runner has no such run, never "not started yet".
 *
 * Finished runs stay readable for KIRO_RUN_RETENTION_MS (default 15 min; at most 32 are kept).
 * Then their events are deleted (run_expired) while their summary is still answered, until the
 * runner restarts or forgets the oldest of its last 1,000 such runs (then run_not_found).
 *
 * Errors are `{ "error": { "code": RunnerErrorCode, "message": string } }` with the HTTP status
 * from RUNNER_ERROR_STATUS.
 */

/** Header carrying the shared secret between the Worker and the runner. */
export const RUNNER_SECRET_HEADER = "x-kiro-runner-secret";

/**
 * Header naming the user a request is for, on a runner several users share (a host runner with
 * tokens). It scopes the request to that user: paths are inside `<root>/kiro-users/<user>/`,
 * kiro-cli gets the user's own home and no part of the runner's environment beyond an allowlist,
 * the run must bring its own kiro_api_key, and the user gets their share of the run slots.
 * Absent: the whole workspace root and the runner's own environment (a container, the local user).
 */
export const RUNNER_USER_HEADER = "x-kiro-user";

export interface RunnerHealth {
  ok: true;
  /** Random id minted when the runner process started: a new value means the runner restarted. */
  boot_id: string;
  version: string;
  driver: RunnerDriver;
  uptime_ms: number;
  runs_active: number;
  runs_total: number;
  stats: RunnerStats;
  kiro_cli: { path: string; found: boolean };
  workspace_root: string;
}

/** KIRO_DRIVER: `acp` keeps one warm `kiro-cli acp` per session; `headless` spawns per message. */
export type RunnerDriver = "acp" | "headless";

/** What the runner has done since it started: for kiro_pool_stats. */
export interface RunnerStats {
  /** Runs started since boot. */
  runs_served: number;
  /** kiro-cli processes kept warm between turns (ACP), now. */
  warm_processes: number;
  /** Mean time from a start request to kiro-cli accepting the prompt, ms (null before any run). */
  mean_spawn_ms: number | null;
  /** Mean time from a start request to the run's first output or update event, ms. */
  mean_first_output_ms: number | null;
}

export interface ResolveWorkspaceRequest {
  /** Relative to the workspace root, or absolute inside it. Empty means the root itself. */
  path: string;
}
export interface ResolveWorkspaceResponse {
  /** Absolute, symlink-free path inside the workspace root. */
  path: string;
}

export interface StartRunRequest {
  /**
   * Chosen by the caller so a retried start is idempotent (409 run_exists if it is already known).
   * 1-128 characters of A-Z a-z 0-9 . _ : - (starting with a letter or digit).
   */
  run_id: string;
  message: string;
  /** Working directory: absolute inside the workspace root, or relative to it. */
  cwd: string;
  /** kiro-cli `--agent`: letters, digits and . _ : / @ + -, not starting with "-". */
  agent?: string | undefined;
  /** kiro-cli `--model`: same characters as agent. */
  model?: string | undefined;
  /** Continue the conversation kiro-cli saved for this directory (`--resume`). */
  resume?: boolean | undefined;
  /**
   * The Kiro session the run belongs to (same characters as run_id). Under ACP, runs with the
   * same key share one warm kiro-cli process and one ACP session; one runs at a time per key.
   */
  session_key?: string | undefined;
  /**
   * The Kiro API key of the user the run is for, 1-4096 printable ASCII characters without
   * spaces. It goes into kiro-cli's environment only (never the runner's own), is redacted from
   * everything the runner sends and is never logged. Absent: kiro-cli gets the runner's own
   * KIRO_API_KEY.
   */
  kiro_api_key?: string | undefined;
  /**
   * The session's clone, for a session started from a repository: when `cwd` is missing (its
   * container started without the snapshot that held it), the run first clones `url` at `commit`
   * into `cwd` again, saying so in `notice` updates, then runs the turn there. A clone that fails
   * ends the run with reason prepare_failed.
   */
  workspace?: WorkspaceSource | undefined;
  /**
   * A client can answer this run's permission requests (POST /runs/:id/permissions/:key). Only
   * under KIRO_TRUST=ask; without it (or a client that never answers) the policy decides.
   */
  ask_permissions?: boolean | undefined;
}

/** Where a session's clone comes from: enough to build it again. */
export interface WorkspaceSource {
  /** The repository URL, without credentials. */
  url: string;
  /** The commit the session started from (full hex object id). */
  commit: string;
  /** The branch the clone had checked out; null or absent: a detached HEAD (a tag). */
  branch?: string | null | undefined;
  /** The user's git credential for http(s) remotes (GitToken in workspace.ts). */
  git_token?: string | undefined;
}

export interface CommandRequest {
  /** The slash command with its arguments, e.g. "/tools" or "/usage". */
  command: string;
  cwd: string;
  agent?: string | undefined;
  /** As StartRunRequest.kiro_api_key. */
  kiro_api_key?: string | undefined;
}
export interface CommandResponse {
  /** Readable output of the command, cleaned like run output. */
  output: string;
  /** The structured result kiro-cli returned, when there is one. */
  data?: unknown;
}

export interface AgentInfo {
  name: string;
  description: string | null;
  /** builtin: Kiro's default agent; global: $KIRO_HOME/agents; workspace: <cwd>/.kiro/agents. */
  source: "builtin" | "global" | "workspace";
}
export interface AgentsResponse {
  agents: AgentInfo[];
}

export interface WriteFileRequest {
  /** Relative to the workspace root, or absolute inside it; parent directories are created. */
  path: string;
  /** UTF-8 text, at most 4 MiB. */
  content: string;
}
export interface WriteFileResponse {
  /** Absolute path written. */
  path: string;
  bytes: number;
}
/**
 * POST /workspace/clone: `git clone --depth 1 [--branch ref] --no-recurse-submodules`, never
 * prompting. A private repository needs `git_token` (or credentials in the URL, which are taken
 * out of it): git gets it through an askpass program for that clone alone, and it never reaches
 * the clone's .git/config, the workspace, logs or answers.
 */
export interface CloneRequest {
  /**
   * `https://…`, `ssh://…` or scp-like `user@host:path`; `file://…` only when the runner runs with
   * KIRO_ALLOW_FILE_CLONES=1 (tests), `http://…` only to the hosts in KIRO_GIT_ALLOW_HTTP_HOSTS.
   * No leading "-", whitespace, control characters, or other transports (`ext::`, `fd::`, paths).
   */
  url: string;
  /**
   * Target directory: relative to the workspace root, or absolute inside it. Must not exist or be
   * an empty directory; missing parents are created.
   */
  path: string;
  /** Branch or tag to check out (`--branch`): 1-200 of A-Z a-z 0-9 . _ / -, not starting with "-". */
  ref?: string | undefined;
  /** The user's git credential for http(s) remotes (see GitToken in workspace.ts). */
  git_token?: string | undefined;
  /**
   * With a run id the clone runs as a run: the answer is 201 StartRunResponse at once, git's
   * progress streams as `notice` updates on GET /runs/:id/events, and the exit event's metadata
   * is the CloneResponse (a failed clone ends with reason prepare_failed). Same characters as
   * StartRunRequest.run_id; `session_key` as there.
   */
  run_id?: string | undefined;
  session_key?: string | undefined;
}
export interface CloneResponse {
  /** Absolute, symlink-free path of the clone. */
  path: string;
  /** The commit checked out (HEAD), as a full hex object id. */
  commit: string;
  /** The branch checked out, or null (a tag checks out a detached HEAD). */
  branch: string | null;
}

export interface StartRunResponse {
  run_id: string;
  boot_id: string;
}

export type RunStatus = "running" | "completed" | "failed" | "cancelled";

export interface RunSummary {
  run_id: string;
  boot_id: string;
  status: RunStatus;
  /** Highest seq written so far. */
  last_seq: number;
  started_at: number;
  ended_at: number | null;
}

/** Why a run ended. */
export type ExitReason =
  | "exited" // kiro-cli ended the turn on its own (headless: it exited; acp: it answered the prompt or died)
  | "cancelled" // POST /runs/:id/cancel
  | "timeout" // RUN_TIMEOUT_MS passed
  | "spawn_failed" // kiro-cli could not be started
  | "output_limit" // the run wrote more than the runner keeps
  | "idle_timeout" // kiro-cli sent nothing at all for KIRO_TURN_IDLE_TIMEOUT_MS (acp)
  | "tool_interrupted" // Kiro interrupted its own tool use and stopped answering the prompt (acp)
  | "shutdown" // the runner was stopped (SIGTERM) before the turn could finish
  | "prepare_failed"; // the session's clone could not be made (or made again) for the run

interface EventBase {
  /** Monotonic per run, starting at 1, contiguous. */
  seq: number;
  /** Milliseconds since the epoch when the runner recorded the event. */
  at: number;
}

/**
 * Text kiro-cli wrote to stdout: valid UTF-8 (never a split character), ANSI escapes removed, at
 * most 64 KiB. Headless: one pipe read. ACP: consecutive answer chunks merged
 * (drivers/acp/coalescing-sink.ts), handed on at most 25 ms after they arrive; `thought` updates
 * are merged the same way.
 */
export interface OutputEvent extends EventBase {
  type: "output";
  text: string;
}

/** Text kiro-cli wrote to stderr, cleaned the same way. */
export interface StderrEvent extends EventBase {
  type: "stderr";
  text: string;
}

/** The terminal event: always the last one of a run, exactly once. */
export interface ExitEvent extends EventBase {
  type: "exit";
  status: Exclude<RunStatus, "running">;
  reason: ExitReason;
  exit_code: number | null;
  signal: string | null;
  /** Present when status is failed or cancelled: what happened, in words a user can act on. */
  error?: string | undefined;
  /** Last few KB of stderr, cleaned. */
  stderr_tail: string;
  /** Total bytes of cleaned stdout text. */
  output_bytes: number;
  /** Kiro's `_kiro.dev/metadata` for the turn (context usage, credits, duration), under ACP. */
  metadata?: Record<string, unknown> | undefined;
}

/** Kinds of structured update an ACP turn produces besides the answer's text, in one list. */
export const UPDATE_KINDS = [
  "thought", // agent_thought_chunk
  "tool_call", // a tool call started: title, kind, status, locations
  "tool_call_update", // its progress or result
  "plan", // the agent's plan entries
  "usage", // usage_update
  "permission", // a permission request and the policy's decision
  "notice", // something the runner wants the reader to know (e.g. a truncated payload)
  "unknown", // a notification this runner does not know (new Kiro extensions): kept, never fatal
] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

/**
 * A structured update (ACP driver). The answer's own text arrives as `output` events, so
 * `output` alone always reconstructs the answer.
 */
export interface UpdateEvent extends EventBase {
  type: "update";
  kind: UpdateKind;
  /** A short readable rendering, e.g. "⚙ Read file src/app.ts (pending)" or the thought's text; valid UTF-8 like output. */
  text: string;
  /** The payload as received (JSON), at most 64 KiB serialized; bigger payloads are summarized. */
  data?: unknown;
}

export type RunEvent = OutputEvent | StderrEvent | UpdateEvent | ExitEvent;

/** How often an event stream of a live run carries a line, at the least. */
export const EVENT_STREAM_HEARTBEAT_MS = 5_000;

/**
 * A line of the event stream that is not an event: the runner is alive, the run still going.
 * `last_seq` is the highest seq the run has written (the reader may not have received it yet).
 */
export interface HeartbeatLine {
  type: "heartbeat";
  at: number;
  last_seq: number;
}

/** One line of GET /runs/:id/events. */
export type EventStreamLine = RunEvent | HeartbeatLine;
