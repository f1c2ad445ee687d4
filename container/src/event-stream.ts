/**
 * GET /runs/:id/events as NDJSON: the retained events after `after`, then live events as they
 * are written, one line each, flushed at once. The body ends after the exit event; a reader
 * that goes away is unsubscribed.
 */
import type { ServerResponse } from "node:http";
import type { RunEvent } from "./protocol.ts";
import type { RunLog } from "./run-log.ts";

/** Streams `log` from seq after+1. readAfter runs first, so eviction errors precede the headers. */
export function streamEvents(res: ServerResponse, log: RunLog, after: number): void {
  const backlog = log.readAfter(after);
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  for (const event of backlog) writeEvent(res, event);
  if (log.isClosed) {
    res.end();
    return;
  }
  const unsubscribe = log.follow((event) => {
    writeEvent(res, event);
    if (event.type === "exit") res.end();
  });
  res.on("close", unsubscribe);
}

function writeEvent(res: ServerResponse, event: RunEvent): void {
  if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(event)}\n`);
}
