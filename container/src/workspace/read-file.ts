/**
 * GET /workspace/file: one file of a session's working directory, for a client to look at what
 * Kiro wrote. Confined to that directory (no `..` or absolute path out, and its real path must
 * stay inside too), a regular file of at most MAX_READ_FILE_BYTES (a bigger one is refused with its
 * size), returned as text when it is valid UTF-8 without NUL bytes (redacted like everything the
 * runner sends), else as base64, with a MIME type guessed from its name.
 */
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import path from "node:path";
import { errnoCode, RunnerFault } from "../errors.ts";
import { MAX_READ_FILE_BYTES, type ReadFileResponse } from "../protocol/index.ts";
import type { Redactor } from "../text/redact.ts";
import { isInside, type Workspace } from "./workspace.ts";

/** File name endings and their MIME types: what code, docs and images in a repository use. */
const MIME_TYPES: Record<string, string> = {
  ".md": "text/markdown",
  ".txt": "text/plain",
  ".html": "text/html",
  ".css": "text/css",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".ts": "text/x-typescript",
  ".tsx": "text/x-typescript",
  ".json": "application/json",
  ".py": "text/x-python",
  ".rs": "text/x-rust",
  ".go": "text/x-go",
  ".java": "text/x-java",
  ".sh": "text/x-shellscript",
  ".yml": "application/yaml",
  ".yaml": "application/yaml",
  ".toml": "application/toml",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
};

export async function readWorkspaceFile(
  workspace: Workspace,
  cwdRequested: string,
  requested: string,
  redactor: Redactor,
): Promise<ReadFileResponse> {
  const cwd = await workspace.resolve(cwdRequested);
  const target = await confined(cwd, requested);
  workspace.assertReachable(target, `'${requested}'`);
  const handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: unknown) => {
    throw new RunnerFault("bad_request", `'${requested}' cannot be read (${errnoCode(error) ?? "error"})`);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new RunnerFault("bad_request", `'${requested}' is not a regular file`);
    if (stats.size > MAX_READ_FILE_BYTES) {
      throw new RunnerFault(
        "bad_request",
        `'${requested}' is ${stats.size} bytes; files of at most ${MAX_READ_FILE_BYTES} bytes can be read here`,
      );
    }
    const bytes = await handle.readFile();
    const text = utf8Text(bytes);
    const encoding = text === undefined ? "base64" : "utf8";
    const content = text === undefined ? bytes.toString("base64") : redactor.text(text);
    return { path: target, size: bytes.length, encoding, content, mime_type: mimeType(target, encoding) };
  } finally {
    await handle.close();
  }
}

/** The real path of `requested` (relative to `cwd`), which must lie inside `cwd`. */
async function confined(cwd: string, requested: string): Promise<string> {
  if (requested === "" || requested.includes("\0")) {
    throw new RunnerFault("bad_request", "path must name a file (and must not contain NUL)");
  }
  const candidate = path.resolve(cwd, requested);
  if (!isInside(cwd, candidate) || candidate === cwd) {
    throw new RunnerFault("workspace_escape", `'${requested}' is outside the session's working directory`);
  }
  const real = await realpath(candidate).catch((error: unknown) => {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new RunnerFault("workspace_missing", `'${requested}' does not exist in the working directory`);
    }
    throw error;
  });
  if (!isInside(cwd, real)) {
    throw new RunnerFault(
      "workspace_escape",
      `'${requested}' leads through a symlink out of the working directory`,
    );
  }
  return real;
}

/** The text, when `bytes` are valid UTF-8 without NUL; undefined for anything binary. */
function utf8Text(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Not UTF-8: the caller sends it as base64.
    return undefined;
  }
}

function mimeType(file: string, encoding: "utf8" | "base64"): string {
  const known = MIME_TYPES[path.extname(file).toLowerCase()];
  if (known !== undefined) return known;
  return encoding === "utf8" ? "text/plain" : "application/octet-stream";
}
