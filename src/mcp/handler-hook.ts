/**
 * The SDK's hook around every request handler a server registers: `Server._wrapHandler`
 * (protected in @modelcontextprotocol/server 2.4.0). `McpServer` installs its handlers when the
 * first tool, resource or prompt is registered, so hooks go in before anything is registered.
 */
import type { JSONRPCRequest, Result, Server, ServerContext } from "@modelcontextprotocol/server";

export type Handler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;

interface HandlerHook {
  _wrapHandler(method: string, handler: Handler): Handler;
}

/**
 * Replaces `server`'s hook with `hook`, which gets each method, its handler and the hook it
 * replaces (the SDK's own validation, and any hook installed before this one).
 */
export function hookHandlers(
  server: Server,
  hook: (
    method: string,
    handler: Handler,
    previous: (method: string, handler: Handler) => Handler,
  ) => Handler,
): void {
  const hooked = server as unknown as HandlerHook;
  const previous = hooked._wrapHandler.bind(server);
  hooked._wrapHandler = (method, handler) => hook(method, handler, previous);
}
