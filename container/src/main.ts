/**
 * Runner entry point: `node container/src/main.ts` (Node >= 22.18 strips the types).
 *
 * On listen it prints one JSON line to stdout, `{"event":"listening","url":…,"boot_id":…}`, so a
 * parent process can find the port (PORT=0 picks a free one). Logs go to stderr as JSON lines.
 * SIGTERM: refuse new runs, let running turns finish for up to KIRO_SHUTDOWN_GRACE_MS, then stop
 * the rest (reason shutdown), let readers receive the exit events, stop the warm kiro-cli
 * processes and exit 0; SIGINT the same without waiting (http/shutdown.ts).
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import runnerPackage from "../package.json" with { type: "json" };
import { ConfigError, loadConfig, type RunnerConfig } from "./config.ts";
import { AcpDriver } from "./drivers/acp/driver.ts";
import type { TurnDriver } from "./drivers/driver.ts";
import { HeadlessDriver } from "./drivers/headless.ts";
import { OpenStreams } from "./http/event-stream.ts";
import { createRunnerServer } from "./http/server.ts";
import { handleStopSignals } from "./http/shutdown.ts";
import { createLogger, type Logger } from "./logger.ts";
import { ownedGroups } from "./process/owned-groups.ts";
import { RunManager } from "./runs/run-manager.ts";
import { RunnerStatsTracker } from "./runs/stats.ts";
import { Redactor } from "./text/redact.ts";
import { WorkspaceCloner } from "./workspace/clone.ts";
import { Scopes } from "./workspace/scope.ts";
import { Workspace } from "./workspace/workspace.ts";

function main(): void {
  const logger = createLogger(process.stderr);
  const config = loadOrExit(logger);
  const bootId = randomUUID();
  // Before anything is spawned: what a dead runner left is stopped, what this one starts is noted.
  const reaped = ownedGroups.record(config.stateDir, bootId, logger);
  const workspace = new Workspace(config.workspaceRoot, {
    owner: config.runAs,
    protectedPaths: [config.stateDir, ...config.protectedPaths],
  });
  const redactor = new Redactor(config.secrets);
  const driver = createDriver(config, logger, redactor);
  const cloner = new WorkspaceCloner({ config, workspace, logger, redactor });
  const manager = new RunManager({
    config,
    logger,
    bootId,
    workspace,
    cloner,
    driver,
    redactor,
    stats: new RunnerStatsTracker(),
  });
  const streams = new OpenStreams();
  const server = createRunnerServer({
    config,
    manager,
    workspace,
    cloner,
    scopes: new Scopes({ config, workspace, cloner, logger, redactor }),
    logger,
    redactor,
    bootId,
    version: runnerPackage.version,
    startedAt: Date.now(),
    streams,
  });
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
    process.stdout.write(`${JSON.stringify({ event: "listening", url, boot_id: bootId })}\n`);
    logger.info("listening", {
      url,
      mode: config.mode,
      driver: config.driver,
      trust: config.trust,
      run_as: config.runAs?.name ?? null,
      boot_id: bootId,
      workspace_root: workspace.root,
      reaped_leftover_groups: reaped,
    });
  });
  handleStopSignals({ server, manager, streams, logger, graceMs: config.shutdownGraceMs });
}

/** KIRO_DRIVER: warm ACP sessions (default) or one headless kiro-cli per message. */
function createDriver(config: RunnerConfig, logger: Logger, redactor: Redactor): TurnDriver {
  if (config.driver === "headless") return new HeadlessDriver({ ...config, logger });
  return new AcpDriver({ config, logger, redactor });
}

function loadOrExit(logger: Logger): RunnerConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error("config_invalid", { detail: error.message });
    process.exit(2);
  }
}

main();
