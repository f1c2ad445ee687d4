/**
 * A session's work reaches the user, through the real MCP client against the Worker: a private
 * repository (git http-backend behind basic auth on loopback) cloned with the user's stored
 * GIT_TOKEN, a turn of the stand-in kiro-cli that edits files, kiro_workspace_diff, one file read
 * through kiro://sessions/{session_id}/files/{+path}, and kiro_workspace_push landing exactly those
 * changes on a new branch of the remote. The token never shows in anything a client receives.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  callTool,
  createFromRepository,
  pollUntilDone,
  type SessionInfoLike,
  startTask,
} from "../helpers/mcp-client.ts";
import { connectEachTest, workerFetch } from "./mcp.ts";

const controlUrl = inject("controlUrl");
const repo = inject("gitRepository");
const remote = inject("privateRepository");

let client: Client;
connectEachTest((connected) => {
  client = connected;
});

interface Bare {
  commit: string | null;
  parent: string | null;
  changes: string | null;
  content: string | null;
}

async function bareBranch(branch: string, file?: string): Promise<Bare> {
  const query = new URLSearchParams({ branch, ...(file ? { file } : {}) });
  return (await (await fetch(`${controlUrl}/bare?${query}`)).json()) as Bare;
}

async function storeGitToken(value: string): Promise<void> {
  const response = await workerFetch("http://localhost/account/secrets/GIT_TOKEN", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function turn(sessionId: string, message: string) {
  const started = await startTask(client, message, sessionId);
  return pollUntilDone(client, started.task_id);
}

describe("a private repository, worked on and pushed", () => {
  let session: SessionInfoLike;
  const seen: string[] = [];

  beforeAll(async () => {
    const connected = await (await import("./mcp.ts")).connect();
    client = connected;
    await storeGitToken(remote.token);
    const created = await createFromRepository(client, {
      repository: remote.url,
      working_directory: "private/app",
    });
    seen.push(JSON.stringify(created));
    expect(created.session.state, JSON.stringify(created)).toBe("ready");
    session = created.session;
    const edited = await turn(
      session.session_id,
      "Edit the project\n@append README.md Edited by Kiro.\\n\n@write src/app.txt hello\\n\n@write-bytes icon.bin 0001ff",
    );
    seen.push(JSON.stringify(edited));
    expect(edited.final.status).toBe("completed");
    await connected.close();
  });

  it("cloned with the stored GIT_TOKEN at the repository's commit", () => {
    expect(session.repository).toEqual({ url: remote.url, ref: null, commit: repo.commit });
    expect(session.working_directory).toMatch(/\/private\/app$/);
  });

  it("shows the turn's changes as a diff, binary files named only", async () => {
    const diff = await callTool<{
      files: Array<{ path: string; status: string; binary: boolean }>;
      diff: string;
      base: string;
    }>(client, "kiro_workspace_diff", { session_id: session.session_id });
    seen.push(diff.text);
    expect(diff.isError, diff.text).toBe(false);
    expect(diff.data.base).toBe(repo.commit);
    expect(diff.data.files.map((file) => [file.path, file.status, file.binary])).toEqual([
      ["README.md", "modified", false],
      ["icon.bin", "added", true],
      ["src/app.txt", "added", false],
    ]);
    expect(diff.data.diff).toContain("+Edited by Kiro.");
    expect(diff.data.diff).toContain("Binary files /dev/null and b/icon.bin differ");
    const one = await callTool<{ files: unknown[] }>(client, "kiro_workspace_diff", {
      session_id: session.session_id,
      path: "src/app.txt",
    });
    expect(one.data.files).toHaveLength(1);
  });

  it("reads one file through the resource template: text as text, binary as a blob", async () => {
    const text = await client.readResource({
      uri: `kiro://sessions/${session.session_id}/files/src/app.txt`,
    });
    expect(text.contents).toEqual([
      {
        uri: `kiro://sessions/${session.session_id}/files/src/app.txt`,
        mimeType: "text/plain",
        text: "hello\n",
      },
    ]);
    const encoded = await client.readResource({
      uri: `kiro://sessions/${session.session_id}/files/src%2Fapp.txt`,
    });
    expect(encoded.contents[0]).toMatchObject({ text: "hello\n" });
    const blob = await client.readResource({ uri: `kiro://sessions/${session.session_id}/files/icon.bin` });
    expect(blob.contents[0]).toMatchObject({ mimeType: "application/octet-stream", blob: "AAH/" });
    await expect(
      client.readResource({ uri: `kiro://sessions/${session.session_id}/files/..%2F..%2Fetc%2Fpasswd` }),
    ).rejects.toThrow(/outside the session's working directory/);
    await expect(
      client.readResource({ uri: "kiro://sessions/sess_unknown/files/README.md" }),
    ).rejects.toThrow(/not found/i);
  });

  it("pushes the changes to a new branch that holds exactly them, and offers no compare link off the big hosts", async () => {
    const pushed = await callTool<{
      branch: string;
      commit: string;
      files_changed: number;
      compare_url: string | null;
    }>(client, "kiro_workspace_push", {
      session_id: session.session_id,
      branch: "kiro/worker-test",
      message: "Kiro's edits",
    });
    seen.push(pushed.text);
    expect(pushed.isError, pushed.text).toBe(false);
    expect(pushed.data).toMatchObject({ branch: "kiro/worker-test", files_changed: 3, compare_url: null });
    const bare = await bareBranch("kiro/worker-test", "src/app.txt");
    expect(bare).toEqual({
      commit: pushed.data.commit,
      parent: repo.commit,
      changes: "M\tREADME.md\nA\ticon.bin\nA\tsrc/app.txt\n",
      content: "hello\n",
    });
    const again = await callTool(client, "kiro_workspace_push", {
      session_id: session.session_id,
      branch: "kiro/worker-test",
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain("already exists");
    const main = await callTool(client, "kiro_workspace_push", {
      session_id: session.session_id,
      branch: "main",
    });
    expect(main.isError).toBe(true);
    expect((await bareBranch("main")).commit).toBe(repo.commit);
  });

  it("never shows the git token to the client", () => {
    for (const text of seen) expect(text).not.toContain(remote.token);
  });
});

describe("without a stored credential, or a repository", () => {
  it("fails the setup of a private repository with git's reason, naming no token", async () => {
    await workerFetch("http://localhost/account/secrets/GIT_TOKEN", { method: "DELETE" });
    const { setup, session } = await createFromRepository(client, {
      repository: remote.url,
      working_directory: "private/refused",
    });
    expect(setup.reason).toBe("prepare_failed");
    expect(session.state).toBe("failed");
    expect(session.failure).toMatch(/could not read Username|Authentication failed/);
  });

  it("says a session without a repository has nothing to diff or push", async () => {
    const created = await callTool<{ session_id: string }>(client, "kiro_session_create", {});
    for (const tool of ["kiro_workspace_diff", "kiro_workspace_push"]) {
      const result = await callTool(client, tool, { session_id: created.data.session_id, branch: "x" });
      expect(result.isError).toBe(true);
      expect(result.text).toContain("was not started from a repository");
    }
  });
});
