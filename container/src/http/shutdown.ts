/**
 * What the runner does when it is told to stop. Cloudflare stops a container with SIGTERM (a
 * deploy's rollout, once `rollout_active_grace_period` has passed; a scale-down; a sleeping
 * container with no request in flight) and SIGKILLs it 15 minutes later.
 *
 * SIGTERM drains: new runs are refused (503 shutting_down), running turns get up to
 * KIRO_SHUTDOWN_GRACE_MS to finish on their own while the server keeps answering — readers keep
 * following and resuming the runs' events, so the session objects store every chunk and the
 * real end — then whatever still runs is stopped (reason shutdown), the readers receive the exit
 * events, the warm kiro-cli processes are stopped and the process exits 0.
 * SIGINT (Ctrl-C) does the same without waiting; a second signal cuts a drain short.
 */
import type { Server } from "node:http";
import type { Logger } from "../logger.ts";
import type { RunManager } from "../runs/run-manager.ts";
import type { OpenStreams } from "./event-stream.ts";

/** After the drain, longest the rest of a shutdown may take before the process exits anyway. */
const SHUTDOWN_TAIL_MS = 20_000;
/** After the runs end, how long event streams get to deliver their last bytes before connections are cut. */
const DRAIN_CONNECTIONS_MS = 1_000;

export interface ShutdownDeps {
  server: Server;
  manager: RunManager;
  streams: OpenStreams;
  logger: Logger;
  /** KIRO_SHUTDOWN_GRACE_MS. */
  graceMs: number;
}

/** Installs the SIGTERM and SIGINT handlers. */
export function handleStopSignals(deps: ShutdownDeps): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const { manager, logger } = deps;
    if (stopping) {
      logger.info("shutdown_now", { signal, runs_active: manager.counts().active });
      manager.stopRunning();
      return;
    }
    stopping = true;
    const graceMs = signal === "SIGTERM" ? deps.graceMs : 0;
    logger.info("shutdown", { signal, runs_active: manager.counts().active, grace_ms: graceMs });
    setTimeout(() => process.exit(1), graceMs + SHUTDOWN_TAIL_MS).unref();
    void shutdown(deps, graceMs).then(() => process.exit(0));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Ends every run (after the drain), lets readers receive the exit events, closes every connection. */
async function shutdown(deps: ShutdownDeps, graceMs: number): Promise<void> {
  await deps.manager.shutdown(graceMs);
  deps.server.close();
  await deps.streams.drained(DRAIN_CONNECTIONS_MS);
  deps.server.closeAllConnections();
}
