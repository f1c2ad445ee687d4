/**
 * Runner entry point: `node container/src/main.ts` (Node >= 22.18 strips the types).
 *
 * On listen it prints one JSON line to stdout, `{"event":"listening","url":…,"boot_id":…}`, so a
 * parent process can find the port (PORT=0 picks a free one). Logs go to stderr as JSON lines.
 * SIGTERM or SIGINT: stop accepting connections, stop every run (reason shutdown), let readers
 * receive the exit events, stop the warm kiro-cli processes, then exit 0.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import runnerPackage from "../package.json" with { type: "json" };
import { ConfigError, loadConfig, type RunnerConfig } from "./config.ts";
import { AcpDriver } from "./drivers/acp/driver.ts";
import type { TurnDriver } from "./drivers/driver.ts";
import { HeadlessDriver } from "./drivers/headless.ts";
import { OpenStreams } from "./http/event-stream.ts";
import { createRunnerServer } from "./http/server.ts";
import { createLogger, type Logger } from "./logger.ts";
import { RunManager } from "./runs/run-manager.ts";
import { RunnerStatsTracker } from "./runs/stats.ts";
import { Redactor } from "./text/redact.ts";
import { WorkspaceCloner } from "./workspace/clone.ts";
import { Workspace } from "./workspace/workspace.ts";

/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 20_000;
/** After the runs end, how long event streams get to deliver their last bytes before connections are cut. */
const DRAIN_CONNECTIONS_MS = 1_000;

function main(): void {
  const logger = createLogger(process.stderr);
  const config = loadOrExit(logger);
  const bootId = randomUUID();
  const workspace = new Workspace(config.workspaceRoot);
  const redactor = new Redactor(config.secrets);
  const driver = createDriver(config, logger, redactor);
  const manager = new RunManager({
    config,
    logger,
    bootId,
    workspace,
    driver,
    redactor,
    stats: new RunnerStatsTracker(),
  });
  const streams = new OpenStreams();
  const server = createRunnerServer({
    config,
    manager,
    workspace,
    cloner: new WorkspaceCloner({ config, workspace, logger, redactor }),
    logger,
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
      boot_id: bootId,
      workspace_root: workspace.root,
    });
  });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info("shutdown", { signal, runs_active: manager.counts().active });
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    void shutdown(server, manager, streams).then(() => process.exit(0));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Stops accepting, ends every run, lets readers receive the exit events, closes every connection. */
async function shutdown(server: Server, manager: RunManager, streams: OpenStreams): Promise<void> {
  server.close();
  await manager.shutdown();
  await streams.drained(DRAIN_CONNECTIONS_MS);
  server.closeAllConnections();
}

/** KIRO_DRIVER: warm ACP sessions (default) or one headless kiro-cli per message. */
function createDriver(config: RunnerConfig, logger: Logger, redactor: Redactor): TurnDriver {
  if (config.driver === "headless") return new HeadlessDriver({ ...config, logger });
  return new AcpDriver({ config, logger, redactor });
}

function loadOrExit(logger: Logger): RunnerConfig {
  try {
    const config = loadConfig(process.env);
    if (config.secret === undefined)
      logger.warn("no_runner_secret", { detail: "KIRO_RUNNER_SECRET is not set" });
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error("config_invalid", { detail: error.message });
    process.exit(2);
  }
}

main();
