/**
 * kiro://sessions/{session_id}/files/{+path}: one file of a session's working directory, so a
 * client can look at what Kiro wrote. `path` is relative to the working directory (slashes as
 * they are, or percent-encoded); a text file comes back as text, anything else as a base64 blob,
 * with its MIME type; files over 1 MiB are refused with their size. Only the session's owner can
 * read it: another user's session id reads as not found, like an unknown one.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
  type Variables,
} from "@modelcontextprotocol/server";
import { ErrorCode, KiroError, unwrap } from "../../errors.ts";
import { resolveSession, type ToolContext } from "../context.ts";

export const WORKSPACE_FILE_TEMPLATE = "kiro://sessions/{session_id}/files/{+path}";

export function registerWorkspaceFiles(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    "workspace-file",
    new ResourceTemplate(WORKSPACE_FILE_TEMPLATE, { list: undefined }),
    {
      title: "A file of a session's workspace",
      description:
        "One file of the session's working directory (path relative to it): text, or base64 for binary files, up to 1 MiB",
    },
    (uri, variables) => readWorkspaceFile(ctx, uri, variables),
  );
}

async function readWorkspaceFile(
  ctx: ToolContext,
  uri: URL,
  variables: Variables,
): Promise<ReadResourceResult> {
  const sessionId = single(variables.session_id);
  const path = decoded(single(variables.path));
  if (sessionId === "" || path === undefined || path === "") {
    throw invalidParams(`${uri.href} does not name a session and a file in it`);
  }
  try {
    const { stub } = await resolveSession(ctx, sessionId);
    const file = unwrap(await stub.readFile(path));
    const base = { uri: uri.href, mimeType: file.mime_type };
    return {
      contents: [
        file.encoding === "utf8" ? { ...base, text: file.content } : { ...base, blob: file.content },
      ],
    };
  } catch (error) {
    if (!(error instanceof KiroError)) throw error;
    if (error.code === ErrorCode.SessionNotFound || error.code === ErrorCode.WorkspaceInvalid) {
      throw new ResourceNotFoundError(uri.href, error.message);
    }
    throw invalidParams(error.message);
  }
}

function invalidParams(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
}

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** The path with percent-encoding undone (clients may encode its slashes); undefined when malformed. */
function decoded(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    // Malformed percent-encoding names no file.
    return undefined;
  }
}
