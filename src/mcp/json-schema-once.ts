/**
 * Tool and prompt schemas as the MCP SDK takes them, with their JSON Schema computed once per
 * isolate instead of on every request.
 *
 * The server is built per request, and the SDK converts a tool's zod schemas to JSON Schema on
 * the server it registered them with: on every `tools/call` both the input schema (to check
 * `Mcp-Param-*` headers) and the output schema (to shape the result), about 6 ms of CPU for
 * kiro_task_status — more than everything else the call does. The conversion of an immutable
 * schema always gives the same answer, so it is remembered here (frozen, so nothing can change
 * the shared copy) and validation goes straight to the schema itself.
 */
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";

type Converter = StandardSchemaWithJSON["~standard"]["jsonSchema"];
type ConvertOptions = Parameters<Converter["input"]>[0];

const converted = new WeakMap<StandardSchemaWithJSON, StandardSchemaWithJSON>();

/** `schema`, validating as before, converting to JSON Schema once per direction and target. */
export function jsonSchemaOnce(schema: StandardSchemaWithJSON): StandardSchemaWithJSON {
  const known = converted.get(schema);
  if (known) return known;
  const standard = schema["~standard"];
  const memo = new Map<string, Record<string, unknown>>();
  const once =
    (io: "input" | "output") =>
    (options: ConvertOptions): Record<string, unknown> => {
      const key = `${io} ${options.target} ${JSON.stringify(options.libraryOptions ?? null)}`;
      let json = memo.get(key);
      if (json === undefined) {
        json = deepFreeze(standard.jsonSchema[io](options));
        memo.set(key, json);
      }
      return json;
    };
  const wrapped: StandardSchemaWithJSON = {
    "~standard": {
      version: standard.version,
      vendor: standard.vendor,
      validate: (value, options) => standard.validate(value, options),
      jsonSchema: { input: once("input"), output: once("output") },
    },
  };
  converted.set(schema, wrapped);
  return wrapped;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
