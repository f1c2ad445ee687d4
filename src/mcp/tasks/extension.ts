/**
 * The MCP Tasks extension (`io.modelcontextprotocol/tasks`, revision 2026-07-28): whether a
 * request opted in, and the error for one that did not but needed to. A client opts in per
 * request, in the request's `_meta` client capabilities; the SDK lifts that envelope into
 * `ctx.mcpReq.envelope` before a handler runs.
 */
import { hasTaskClientCapabilityV2, TASKS_EXTENSION_ID_V2 } from "@modelcontextprotocol/ext-tasks/core/v2";
import { MissingRequiredClientCapabilityError, type ServerContext } from "@modelcontextprotocol/server";

export const TASKS_EXTENSION = TASKS_EXTENSION_ID_V2;

/** Whether this request declared the Tasks extension in its client capabilities. */
export function declaresTasks(request: ServerContext): boolean {
  return hasTaskClientCapabilityV2({ _meta: request.mcpReq.envelope ?? request.mcpReq._meta });
}

/** -32021 Missing required client capability, naming the extension (as the spec's example). */
export function tasksRequired(what: string): MissingRequiredClientCapabilityError {
  return new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    `${what} needs the ${TASKS_EXTENSION} extension: declare it in the request's client capabilities.`,
  );
}

/** Throws -32021 unless the request declared the extension. */
export function requireTasks(request: ServerContext, what: string): void {
  if (!declaresTasks(request)) throw tasksRequired(what);
}
