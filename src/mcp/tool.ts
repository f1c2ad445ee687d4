import type {
  CallToolResult,
  McpServer,
  ServerContext,
  StandardSchemaWithJSON,
  ToolAnnotations,
} from "@modelcontextprotocol/server";
import type { z } from "zod";
import { KiroError } from "../errors.ts";
import type { ToolContext } from "./context.ts";
import { jsonSchemaOnce } from "./json-schema-once.ts";

/** One MCP tool: its schemas, honest annotations, and the function that does the work. */
export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.infer<I>, ctx: ToolContext, request: ServerContext): Promise<z.infer<O>>;
}

/** A tool ready to be added to a server; the schemas stay reachable for tests and docs. */
export interface Tool {
  name: string;
  definition: ToolDefinition<z.ZodObject, z.ZodObject>;
  register(server: McpServer, ctx: ToolContext): void;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  definition: ToolDefinition<I, O>,
): Tool {
  return {
    name: definition.name,
    definition: definition as unknown as ToolDefinition<z.ZodObject, z.ZodObject>,
    register: (server, ctx) => registerTool(server, definition, ctx),
  };
}

/**
 * Registers a tool so that its result is JSON text and `structuredContent`, an expected failure
 * is an `isError` result with the message written for the user, and anything unexpected is an
 * `isError` result with a reference id (the details go to the log, never to the client).
 */
function registerTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  tool: ToolDefinition<I, O>,
  ctx: ToolContext,
): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      // Converted to JSON Schema once per isolate, not on every request (json-schema-once.ts).
      inputSchema: jsonSchemaOnce(tool.input as StandardSchemaWithJSON),
      outputSchema: jsonSchemaOnce(tool.output as StandardSchemaWithJSON),
      annotations: { title: tool.title, ...tool.annotations },
    },
    async (args: unknown, request: ServerContext): Promise<CallToolResult> => {
      try {
        // The SDK has validated `args` against `tool.input` before calling this.
        return toolResult(await tool.run(args as z.infer<I>, ctx, request));
      } catch (error) {
        return toolError(error, tool.name, ctx);
      }
    },
  );
}

/** A tool's output as its result: JSON text and the same object as `structuredContent`. */
export function toolResult(output: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(output) }], structuredContent: output };
}

/** A failure as an `isError` result: a KiroError's message as is, anything else as a reference. */
export function toolError(error: unknown, toolName: string, ctx: ToolContext): CallToolResult {
  if (error instanceof KiroError) {
    ctx.log.info("tool.refused", { tool: toolName, code: error.code });
    return { isError: true, content: [{ type: "text", text: error.message }] };
  }
  const ref = crypto.randomUUID().slice(0, 8);
  ctx.log.error("tool.failed", {
    tool: toolName,
    ref,
    error: error instanceof Error ? error.stack : String(error),
  });
  return {
    isError: true,
    content: [
      {
        type: "text",
        text: `Internal error (ref ${ref}). Try again; if it keeps happening, report the ref.`,
      },
    ],
  };
}
