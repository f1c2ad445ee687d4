/**
 * Runner configuration: every environment variable the runner reads is read here, once, at start.
 * Values are never logged (KIRO_API_KEY is kept only to redact it from everything the runner sends).
 *
 * Modes:
 * - container (default): binds HOST (default 0.0.0.0), workspace root /workspace.
 * - host (`KIRO_RUNNER_MODE=host`, dev and tests): binds 127.0.0.1 only, workspace root defaults to
 *   the current directory.
 * Both refuse to start without KIRO_RUNNER_SECRET: in a container the Worker gives each container
 * its own credential, on a host other local users and browsers can reach 127.0.0.1.
 */

import os from "node:os";
import path from "node:path";
import { lookupUser, type RunAs } from "./process/run-as.ts";
import type { RunnerDriver } from "./protocol/index.ts";

/** Limits and defaults, units in the names. Each can be overridden by the env var next to it. */
export const DEFAULTS = {
  /** PORT. */
  port: 8080,
  /** KIRO_RUN_TIMEOUT_MS: a turn longer than this is stopped (reason timeout). */
  runTimeoutMs: 30 * 60_000,
  /** Largest text of one output/stderr event; bigger reads are split on character boundaries. */
  maxEventTextBytes: 64 * 1024,
  /** KIRO_MAX_RUN_LOG_BYTES: events kept per run for readers; older ones are evicted (410). */
  maxRunLogBytes: 16 * 1024 * 1024,
  /** KIRO_MAX_RUN_OUTPUT_BYTES: cleaned stdout+stderr a run may write before it is stopped. */
  maxRunOutputBytes: 64 * 1024 * 1024,
  /** KIRO_RUN_RETENTION_MS: how long a finished run stays readable before it is deleted. */
  runRetentionMs: 15 * 60_000,
  /**
   * Finished runs kept at most, oldest deleted first: bounds memory whatever the retention. Never
   * fewer than RETAINED_RUNS_PER_ACTIVE_RUN per run that may be active, so that runs ending
   * together (a shared host runner serving many sessions) keep their events until read.
   */
  maxRetainedRuns: 32,
  /** KIRO_MAX_ACTIVE_RUNS: concurrent kiro-cli processes (too_many_runs beyond). */
  maxActiveRuns: 8,
  /** Cleaned stderr kept for the exit event and error messages. */
  stderrTailBytes: 4 * 1024,
  /** KIRO_CANCEL_GRACE_MS: time between SIGTERM and SIGKILL of a run's process group. */
  cancelGraceMs: 3_000,
  /** KIRO_PIPE_DRAIN_GRACE_MS: after kiro-cli exits, how long orphans may hold its pipes open before the group is killed. */
  pipeDrainGraceMs: 2_000,
  /** Longest wait for a killed process group to disappear before the exit event is written anyway. */
  groupGoneTimeoutMs: 2_000,
  /** Largest JSON request body. */
  maxBodyBytes: 1024 * 1024,
  /** Largest file content POST /workspace/files writes (UTF-8 bytes). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Body limit of POST /workspace/files: room for the JSON escaping of maxFileBytes of text. */
  maxFileBodyBytes: 2 * 4 * 1024 * 1024 + 64 * 1024,
  /** KIRO_ACP_IDLE_MS: a warm `kiro-cli acp` with nothing to do is stopped after this long. */
  acpIdleMs: 10 * 60_000,
  /**
   * KIRO_ACP_START_TIMEOUT_MS: longest kiro-cli may stay silent while answering initialize,
   * session/new or session/load. It measures progress, not wall time: session/load replays a long
   * conversation for minutes, and every replayed update starts the wait again.
   */
  acpStartTimeoutMs: 120_000,
  /**
   * KIRO_TURN_IDLE_TIMEOUT_MS: an ACP turn during which kiro-cli sends nothing at all (no update,
   * no tool progress, no output, no stderr) for this long is cancelled and fails with reason
   * idle_timeout. A long tool that keeps reporting is not idle; KIRO_RUN_TIMEOUT_MS still bounds it.
   */
  turnIdleTimeoutMs: 10 * 60_000,
  /**
   * KIRO_PERMISSION_TIMEOUT_MS: under KIRO_TRUST=ask, how long a permission request waits for the
   * client's answer before the read-only rule decides it. A turn waiting for an answer is not idle.
   */
  permissionTimeoutMs: 5 * 60_000,
  /**
   * KIRO_SHUTDOWN_GRACE_MS: after SIGTERM, how long running turns may go on to finish before they
   * are stopped (reason shutdown). Container mode: 14 min, inside the 15 min Cloudflare gives a
   * container between SIGTERM and SIGKILL. Host mode: 0 (Ctrl-C in `npm run dev` stops at once).
   */
  shutdownGraceMs: 14 * 60_000,
  /** KIRO_COMMAND_TIMEOUT_MS: longest wait for a slash command's answer (start-up included). */
  commandTimeoutMs: 60_000,
  /** After a turn's answer, how long a final `_kiro.dev/metadata` frame is awaited (only when interim frames came). */
  metadataGraceMs: 300,
  /** KIRO_CLONE_TIMEOUT_MS: longest a `git clone` for POST /workspace/clone may take; then its group is killed. */
  cloneTimeoutMs: 5 * 60_000,
  /** Secrets shorter than this are not redacted: replacing them would mangle ordinary text. */
  minRedactedSecretChars: 8,
  /** Shortest KIRO_RUNNER_SECRET accepted: the Worker's per-container credentials are 64 hex characters. */
  minRunnerSecretChars: 16,
} as const;

/**
 * KIRO_TRUST: which tools kiro-cli may use without a human. ACP: how `session/request_permission`
 * is answered (drivers/acp/permissions.ts); headless: kiro-cli's trust flags (drivers/headless.ts).
 * `ask` (ACP only: headless kiro-cli cannot ask) hands each request to a client that can answer
 * it — a task-aware MCP client, for a run started with `ask_permissions` — and decides by the
 * `read-only` rule wherever no client can answer, or none does within KIRO_PERMISSION_TIMEOUT_MS.
 */
export type TrustPolicy = "all" | "read-only" | "deny" | "ask";

export type RunnerMode = "container" | "host";

export interface RunnerConfig {
  mode: RunnerMode;
  host: string;
  port: number;
  /** The credential every request must carry (KIRO_RUNNER_SECRET). */
  secret: string;
  /**
   * KIRO_PROTECTED_PATHS (path-delimited; relative ones from the workspace root): places no
   * workspace operation may reach, besides every `.git` and KIRO_RUNNER_STATE_DIR; `npm run dev`
   * names its state directory.
   */
  protectedPaths: string[];
  /** KIRO_RUN_AS: the user kiro-cli and git run as, and who owns what the runner writes; undefined: the runner's own. */
  runAs: RunAs | undefined;
  workspaceRoot: string;
  /** KIRO_CLI_PATH as given: a bare command name is looked up on PATH. */
  kiroCliPath: string;
  /** Whether KIRO_API_KEY is set (the value itself only reaches kiro-cli through its env). */
  hasApiKey: boolean;
  /** KIRO_ALLOW_LOCAL_LOGIN=1: run without KIRO_API_KEY, relying on a prior `kiro-cli login`. */
  allowLocalLogin: boolean;
  runTimeoutMs: number;
  maxEventTextBytes: number;
  maxRunLogBytes: number;
  maxRunOutputBytes: number;
  runRetentionMs: number;
  maxRetainedRuns: number;
  maxActiveRuns: number;
  stderrTailBytes: number;
  cancelGraceMs: number;
  pipeDrainGraceMs: number;
  groupGoneTimeoutMs: number;
  maxBodyBytes: number;
  maxFileBytes: number;
  maxFileBodyBytes: number;
  /** KIRO_DRIVER: acp (default) or headless. */
  driver: RunnerDriver;
  /** KIRO_TRUST: default `all` in container mode, `read-only` in host mode; both drivers honour it. */
  trust: TrustPolicy;
  /** KIRO_HOME (default ~/.kiro): global agents live in its agents/ directory. */
  kiroHome: string;
  /** KIRO_RUNNER_STATE_DIR (default $KIRO_HOME/runner-state): saved ACP session ids. */
  stateDir: string;
  acpIdleMs: number;
  acpStartTimeoutMs: number;
  turnIdleTimeoutMs: number;
  permissionTimeoutMs: number;
  shutdownGraceMs: number;
  commandTimeoutMs: number;
  metadataGraceMs: number;
  cloneTimeoutMs: number;
  /**
   * KIRO_ALLOW_FILE_CLONES=1: POST /workspace/clone also accepts file:// URLs (tests with local
   * repositories). Off by default: a file:// clone could copy any repository the runner can read.
   */
  allowFileClones: boolean;
  /**
   * KIRO_GIT_ALLOW_HTTP_HOSTS (comma-separated host names, empty by default): git may use plain
   * http:// with these hosts only (a loopback git server in tests). Every other http:// URL is
   * refused, so a credential never travels unencrypted by accident.
   */
  gitHttpHosts: string[];
  /** Values redacted from everything the runner sends: KIRO_API_KEY and KIRO_RUNNER_SECRET (>= 8 chars). */
  secrets: string[];
}

/** Finished runs kept per run that may be active (see DEFAULTS.maxRetainedRuns). */
const RETAINED_RUNS_PER_ACTIVE_RUN = 4;

function activeRuns(maxActiveRuns: number): Pick<RunnerConfig, "maxActiveRuns" | "maxRetainedRuns"> {
  return {
    maxActiveRuns,
    maxRetainedRuns: Math.max(DEFAULTS.maxRetainedRuns, RETAINED_RUNS_PER_ACTIVE_RUN * maxActiveRuns),
  };
}

/** A setting the runner cannot start with; the message names the variable and what to set. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

const DRIVERS: readonly RunnerDriver[] = ["acp", "headless"];
const TRUST_POLICIES: readonly TrustPolicy[] = ["all", "read-only", "deny", "ask"];

/** Reads the configuration from `env`; throws ConfigError on a value the runner cannot use. */
export function loadConfig(
  env: Env,
  cwd: string = process.cwd(),
  passwd?: string,
  runnerUid: number = process.getuid?.() ?? -1,
): RunnerConfig {
  const mode = parseMode(env.KIRO_RUNNER_MODE);
  const workspaceRoot = nonEmpty(env.KIRO_WORKSPACE_ROOT) ?? (mode === "host" ? cwd : "/workspace");
  return {
    mode,
    host: mode === "host" ? "127.0.0.1" : (nonEmpty(env.HOST) ?? "0.0.0.0"),
    port: integer(env, "PORT", DEFAULTS.port, 0),
    secret: runnerSecret(env, mode),
    protectedPaths: protectedPaths(env, workspaceRoot),
    runAs: runAs(env, runnerUid, passwd),
    workspaceRoot,
    kiroCliPath: nonEmpty(env.KIRO_CLI_PATH) ?? "kiro-cli",
    hasApiKey: nonEmpty(env.KIRO_API_KEY) !== undefined,
    allowLocalLogin: env.KIRO_ALLOW_LOCAL_LOGIN === "1",
    runTimeoutMs: integer(env, "KIRO_RUN_TIMEOUT_MS", DEFAULTS.runTimeoutMs, 1),
    maxEventTextBytes: DEFAULTS.maxEventTextBytes,
    maxRunLogBytes: integer(env, "KIRO_MAX_RUN_LOG_BYTES", DEFAULTS.maxRunLogBytes, 1),
    maxRunOutputBytes: integer(env, "KIRO_MAX_RUN_OUTPUT_BYTES", DEFAULTS.maxRunOutputBytes, 1),
    runRetentionMs: integer(env, "KIRO_RUN_RETENTION_MS", DEFAULTS.runRetentionMs, 0),
    ...activeRuns(integer(env, "KIRO_MAX_ACTIVE_RUNS", DEFAULTS.maxActiveRuns, 1)),
    stderrTailBytes: DEFAULTS.stderrTailBytes,
    cancelGraceMs: integer(env, "KIRO_CANCEL_GRACE_MS", DEFAULTS.cancelGraceMs, 0),
    pipeDrainGraceMs: integer(env, "KIRO_PIPE_DRAIN_GRACE_MS", DEFAULTS.pipeDrainGraceMs, 0),
    groupGoneTimeoutMs: DEFAULTS.groupGoneTimeoutMs,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    maxFileBytes: DEFAULTS.maxFileBytes,
    maxFileBodyBytes: DEFAULTS.maxFileBodyBytes,
    cloneTimeoutMs: integer(env, "KIRO_CLONE_TIMEOUT_MS", DEFAULTS.cloneTimeoutMs, 1),
    shutdownGraceMs: integer(
      env,
      "KIRO_SHUTDOWN_GRACE_MS",
      mode === "host" ? 0 : DEFAULTS.shutdownGraceMs,
      0,
    ),
    allowFileClones: env.KIRO_ALLOW_FILE_CLONES === "1",
    gitHttpHosts: (env.KIRO_GIT_ALLOW_HTTP_HOSTS ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ""),
    ...acpConfig(env, mode),
  };
}

/** The ACP driver's settings, the trust policy, and where Kiro's and the runner's files live. */
function acpConfig(env: Env, mode: RunnerMode) {
  const kiroHome = path.resolve(nonEmpty(env.KIRO_HOME) ?? path.join(os.homedir(), ".kiro"));
  const driver = oneOf(env, "KIRO_DRIVER", DRIVERS, "acp");
  const trust = oneOf(env, "KIRO_TRUST", TRUST_POLICIES, mode === "host" ? "read-only" : "all");
  if (trust === "ask" && driver !== "acp") {
    throw new ConfigError(
      "KIRO_TRUST=ask needs KIRO_DRIVER=acp: headless kiro-cli cannot ask for permission (use all, read-only or deny).",
    );
  }
  return {
    driver,
    trust,
    kiroHome,
    stateDir: path.resolve(nonEmpty(env.KIRO_RUNNER_STATE_DIR) ?? path.join(kiroHome, "runner-state")),
    acpIdleMs: integer(env, "KIRO_ACP_IDLE_MS", DEFAULTS.acpIdleMs, 1),
    acpStartTimeoutMs: integer(env, "KIRO_ACP_START_TIMEOUT_MS", DEFAULTS.acpStartTimeoutMs, 1),
    turnIdleTimeoutMs: integer(env, "KIRO_TURN_IDLE_TIMEOUT_MS", DEFAULTS.turnIdleTimeoutMs, 1),
    permissionTimeoutMs: integer(env, "KIRO_PERMISSION_TIMEOUT_MS", DEFAULTS.permissionTimeoutMs, 1),
    commandTimeoutMs: integer(env, "KIRO_COMMAND_TIMEOUT_MS", DEFAULTS.commandTimeoutMs, 1),
    metadataGraceMs: DEFAULTS.metadataGraceMs,
    secrets: [env.KIRO_API_KEY, env.KIRO_RUNNER_SECRET].filter(
      (value): value is string => value !== undefined && value.length >= DEFAULTS.minRedactedSecretChars,
    ),
  };
}

/** KIRO_PROTECTED_PATHS: absolute, or relative to the workspace root. */
function protectedPaths(env: Env, workspaceRoot: string): string[] {
  return (env.KIRO_PROTECTED_PATHS ?? "")
    .split(path.delimiter)
    .filter((entry) => entry !== "")
    .map((entry) => path.resolve(workspaceRoot, entry));
}

/** KIRO_RUNNER_SECRET: the runner never serves a request without a credential. */
function runnerSecret(env: Env, mode: RunnerMode): string {
  const secret = nonEmpty(env.KIRO_RUNNER_SECRET);
  if (secret === undefined) {
    throw new ConfigError(
      mode === "host"
        ? "KIRO_RUNNER_SECRET is required when KIRO_RUNNER_MODE=host: set it to a long random value shared with the Worker (npm run dev does)."
        : "KIRO_RUNNER_SECRET is required: the Worker passes each container its own credential when it starts it; without one the runner would serve anyone who reaches its port.",
    );
  }
  if (secret.length < DEFAULTS.minRunnerSecretChars) {
    throw new ConfigError(
      `KIRO_RUNNER_SECRET must be at least ${DEFAULTS.minRunnerSecretChars} characters long.`,
    );
  }
  return secret;
}

/** KIRO_RUN_AS: an existing user other than the runner's, which only root can start processes as. */
function runAs(env: Env, runnerUid: number, passwd: string | undefined): RunAs | undefined {
  const name = nonEmpty(env.KIRO_RUN_AS);
  if (name === undefined) return undefined;
  const user = lookupUser(name, passwd);
  if (user === undefined) throw new ConfigError(`KIRO_RUN_AS=${name}: there is no such user in /etc/passwd.`);
  if (runnerUid !== 0) {
    throw new ConfigError(
      `KIRO_RUN_AS=${name} needs the runner to run as root (it starts kiro-cli as that user); unset KIRO_RUN_AS to run kiro-cli as the runner's own user.`,
    );
  }
  if (user.uid === 0) throw new ConfigError(`KIRO_RUN_AS=${name} must name a user other than root.`);
  return user;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = allowed.find((candidate) => candidate === raw);
  if (value === undefined) {
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, not ${JSON.stringify(raw)}.`);
  }
  return value;
}

function parseMode(value: string | undefined): RunnerMode {
  if (value === undefined || value === "" || value === "container") return "container";
  if (value === "host") return "host";
  throw new ConfigError(`KIRO_RUNNER_MODE must be "host" or "container", not ${JSON.stringify(value)}.`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, not ${JSON.stringify(raw)}.`);
  }
  return value;
}
