/**
 * The 2025-11-25 experimental tasks, on 2025-era connections: not served. No tool declares
 * `execution.taskSupport` and the server declares no `tasks` capability, so every tool is
 * `forbidden`, and a task-augmented tools/call (one with a `task` param) is refused with -32601
 * as that revision asks, rather than answered with a result the client did not ask for. tasks/get,
 * tasks/result, tasks/list and tasks/cancel have no handler there: -32601 too. A client that
 * wants Kiro's turn as a task uses the extension on protocol revision 2026-07-28 (./index.ts).
 */
import { ProtocolError, ProtocolErrorCode, type Server } from "@modelcontextprotocol/server";
import { hookHandlers } from "../handler-hook.ts";
import { TASKS_EXTENSION } from "./extension.ts";

/** Call before any tool is registered, as for installTasks. */
export function refuseLegacyTasks(server: Server): void {
  hookHandlers(server, (method, handler, previous) => {
    const wrapped = previous(method, handler);
    if (method !== "tools/call") return wrapped;
    return (request, ctx) => {
      const params = (request.params ?? {}) as { name?: unknown; task?: unknown };
      if (params.task === undefined) return wrapped(request, ctx);
      const tool = typeof params.name === "string" ? params.name : "this tool";
      throw new ProtocolError(
        ProtocolErrorCode.MethodNotFound,
        `${tool} cannot be called as a 2025-11-25 task (no tool here supports it): call it without "task", or use the ${TASKS_EXTENSION} extension on protocol revision 2026-07-28.`,
      );
    };
  });
}
