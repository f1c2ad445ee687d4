/** The dashboard in local mode: the local user on this machine without signing in, nobody else. */
import { describe, expect, it } from "vitest";
import { callTool, createSession } from "../helpers/mcp-client.ts";
import { connect, workerFetch } from "./mcp.ts";

describe("the dashboard in local mode", () => {
  it("shows the local user's sessions on loopback, with no sign-in", async () => {
    const client = await connect();
    try {
      const sessionId = await createSession(client);
      const started = await callTool<{ task_id: string }>(client, "kiro_chat_async", {
        message: "@lines 1",
        session_id: sessionId,
      });
      const response = await workerFetch("http://localhost/", { redirect: "manual" });
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain("Signed in as <strong>local</strong>");
      expect(page).toContain(sessionId);
      expect(page).toContain(`/tasks/${started.data.task_id}`);
    } finally {
      await client.close();
    }
  });

  it("sends a request from another machine to sign in", async () => {
    const response = await workerFetch("http://localhost/", {
      headers: { "cf-connecting-ip": "203.0.113.9" },
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login?next=%2F");
  });
});
