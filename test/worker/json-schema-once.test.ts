/**
 * The MCP server is built per request; the JSON Schema of its tools is not: two requests share one
 * conversion (frozen), which is exactly the conversion the schema gives, and validation still
 * answers from the schema itself.
 */
import { describe, expect, it } from "vitest";
import type { ToolContext } from "../../src/mcp/context.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import { TOOLS } from "../../src/mcp/tools/index.ts";

const ctx = {
  userId: "u",
  env: {},
  settings: {},
  log: { info() {}, warn() {}, error() {} },
  origin: "http://127.0.0.1:8787",
} as unknown as ToolContext;

interface Registered {
  inputSchema: { "~standard": { validate(value: unknown): unknown } };
  outputSchemaJson: Record<string, unknown>;
}

/** What the SDK works with for one tool on a fresh server, as a request would build it. */
function onFreshServer(tool: string) {
  const server = createMcpServer(ctx) as unknown as {
    toolInputSchemaJson(name: string): Record<string, unknown>;
    _registeredTools: Record<string, Registered>;
  };
  const registered = server._registeredTools[tool];
  if (!registered) throw new Error(`${tool} not registered`);
  return { input: server.toolInputSchemaJson(tool), output: registered.outputSchemaJson, registered };
}

describe("tool schemas across requests", () => {
  it.each(TOOLS.map((tool) => tool.name))("%s: one JSON Schema conversion for every request", (name) => {
    const first = onFreshServer(name);
    const second = onFreshServer(name);
    // The SDK spreads the input schema into a new root object: what it spreads is shared.
    expect(second.input.properties).toBe(first.input.properties);
    expect(second.output).toBe(first.output);
    expect(Object.isFrozen(first.output)).toBe(true);
    const definition = TOOLS.find((tool) => tool.name === name)?.definition;
    if (!definition) throw new Error(`${name} has no definition`);
    const standard = (
      definition.input as unknown as { "~standard": { jsonSchema: { input(o: object): object } } }
    )["~standard"];
    expect(first.input).toEqual({
      type: "object",
      ...standard.jsonSchema.input({ target: "draft-2020-12" }),
    });
  });

  it("still validates with the tool's own schema", async () => {
    const { registered } = onFreshServer("kiro_task_status");
    const good = (await registered.inputSchema["~standard"].validate({ task_id: "task_x" })) as {
      value: { max_bytes: number };
    };
    expect(good.value.max_bytes).toBe(1024 * 1024);
    const bad = (await registered.inputSchema["~standard"].validate({ task_id: 7 })) as {
      issues?: unknown[];
    };
    expect(bad.issues?.length).toBeGreaterThan(0);
  });
});
