/**
 * Small HTTP helpers for the runner's edge: the shared-secret check, bounded JSON bodies, and
 * JSON / error responses in the protocol's shape.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RunnerFault } from "../errors.ts";
import { RUNNER_ERROR_STATUS, RUNNER_SECRET_HEADER, type RunnerErrorBody } from "../protocol/index.ts";

/** Throws unauthorized unless the request carries `secret` (compared in constant time). */
export function requireSecret(req: IncomingMessage, secret: string): void {
  const given = req.headers[RUNNER_SECRET_HEADER];
  if (typeof given !== "string" || !sameSecret(given, secret)) {
    throw new RunnerFault("unauthorized", `missing or wrong ${RUNNER_SECRET_HEADER} header`);
  }
}

/** Compares hashes so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Reads a JSON body of at most `maxBytes`; anything else is a bad_request. An oversized body is
 * refused as soon as it is detected, and the rest is discarded rather than the connection cut,
 * so the caller still receives the error.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooBig = () => new RunnerFault("bad_request", `the request body exceeds ${maxBytes} bytes`);
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) {
    req.resume();
    throw tooBig();
  }
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData);
      req.resume();
      reject(tooBig());
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message would echo part of the body; saying it is not JSON is enough.
    throw new RunnerFault("bad_request", "the request body is not valid JSON");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text, "utf8"),
    "cache-control": "no-store",
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: RunnerFault): void {
  const body: RunnerErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, RUNNER_ERROR_STATUS[error.code], body);
}
