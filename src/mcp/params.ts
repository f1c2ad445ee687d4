/**
 * Params of the list, read and get requests, checked before the SDK sees them. The SDK (2.4.0)
 * validates them too, but answers a failure with -32603 Internal error and the whole validation
 * dump; a client that sent bad params should get -32602 Invalid params and one line that names
 * the field. Every list fits in one page (no request ever gets a nextCursor), so a cursor is one
 * this server never handed out: -32602 as well, as the spec asks for an invalid cursor.
 */
import { ProtocolError, ProtocolErrorCode, type Server } from "@modelcontextprotocol/server";
import { z } from "zod";
import { hookHandlers } from "./handler-hook.ts";

const listParams = z.looseObject({ cursor: z.string().optional() });

const PARAMS: Record<string, z.ZodType> = {
  "tools/list": listParams,
  "resources/list": listParams,
  "resources/templates/list": listParams,
  "prompts/list": listParams,
  "resources/read": z.looseObject({ uri: z.string() }),
  "prompts/get": z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.string()).optional() }),
};

/**
 * Makes `server` check the params of the methods above before its own validation runs. Call it
 * before any tool, resource or prompt is registered: the hook wraps handlers as they are set.
 */
export function checkParamsFirst(server: Server): void {
  hookHandlers(server, (method, handler, previous) =>
    previous(method, (request, ctx) => {
      checkParams(method, request.params);
      return handler(request, ctx);
    }),
  );
}

/** Throws -32602 with a one-line reason when `params` do not fit `method`. */
function checkParams(method: string, params: unknown): void {
  const schema = PARAMS[method];
  if (schema === undefined) return;
  const parsed = schema.safeParse(params ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw invalidParams(method, describeIssue(parsed.error.issues[0]));
  }
  if (schema === listParams && (parsed.data as z.infer<typeof listParams>).cursor !== undefined) {
    throw invalidParams(method, "unknown cursor (every list comes in one page, without nextCursor)");
  }
}

function invalidParams(method: string, reason: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${reason}`);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return "not valid";
  const field = issue.path.length > 0 ? issue.path.join(".") : "params";
  if (issue.code !== "invalid_type") return `${field} is not valid`;
  if (issue.input === undefined) return `${field} is required`;
  return `${field} must be ${issue.expected === "object" ? "an object" : `a ${issue.expected}`}`;
}
