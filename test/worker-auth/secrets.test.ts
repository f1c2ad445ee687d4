import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, pollUntilDone, textOf } from "../helpers/mcp-client.ts";
import { connectAs, createToken } from "./auth.ts";

let bob: Client;
beforeAll(async () => {
  bob = await connectAs((await createToken("bob-secrets")).token);
});
afterAll(async () => {
  await bob.close();
});

describe("secrets", () => {
  it("never returns the API key, even when kiro-cli prints it", async () => {
    const session = await callTool<{ session_id: string }>(bob, "kiro_session_create");
    const started = await callTool<{ task_id: string }>(bob, "kiro_chat_async", {
      message: "@echo-env KIRO_API_KEY",
      session_id: session.data.session_id,
    });
    const { chunks, final } = await pollUntilDone(bob, started.data.task_id);
    const everything = JSON.stringify({ chunks, final });
    expect(everything).not.toContain("test-key");
    expect(textOf(chunks)).toContain("[redacted]");
  });
});
