/**
 * KIRO_RUN_AS: a root runner starts kiro-cli (both drivers) and git as another user, who cannot
 * read the runner's environment; files the runner writes for Kiro are that user's, written with
 * that user's rights. Needs root (the container's runner is root), as the machines running the
 * test suite are; elsewhere it is skipped, saying why.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookupUser } from "../../container/src/process/run-as.ts";
import type { RunnerDriver } from "../../container/src/protocol/index.ts";
import { writeFile } from "../../container/src/workspace/as-user.ts";
import { withGitCredential } from "../../container/src/workspace/git-credential.ts";
import { createGitFixture } from "../helpers/git-fixture.ts";
import { request, runToEnd, textOf } from "../helpers/runner-client.ts";
import { type RunnerProcess, startRunner } from "../helpers/runner-process.ts";

const KIRO = lookupUser("nobody");
const isRoot = process.getuid?.() === 0;
const canRun = isRoot && KIRO !== undefined;

/** A fresh directory the run-as user owns. */
function ownedDir(scratch: string, name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir);
  if (KIRO) chownSync(dir, KIRO.uid, KIRO.gid);
  return dir;
}

describe.skipIf(!canRun)("KIRO_RUN_AS=nobody under a root runner (skipped unless run as root)", () => {
  let scratch: string;
  let repoUrl: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "kiro-run-as-"));
    chmodSync(scratch, 0o755);
    mkdirSync(path.join(scratch, "git"));
    repoUrl = createGitFixture(path.join(scratch, "git")).url;
    // git serves a local repository only to its owner (safe.directory); remote ones have no owner here.
    if (KIRO) execFileSync("chown", ["-R", `${KIRO.uid}:${KIRO.gid}`, path.join(scratch, "git")]);
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe.each<RunnerDriver>(["acp", "headless"])("the %s driver", (driver) => {
    let runner: RunnerProcess;
    beforeAll(async () => {
      runner = await startRunner({
        workspaceRoot: ownedDir(scratch, `workspace-${driver}`),
        kiroHome: ownedDir(scratch, `home-${driver}`),
        env: {
          KIRO_DRIVER: driver,
          KIRO_RUN_AS: "nobody",
          KIRO_RUNNER_STATE_DIR: path.join(scratch, `state-${driver}`),
          KIRO_ALLOW_FILE_CLONES: "1",
        },
      });
    });
    afterAll(async () => {
      await runner.stop();
    });

    it("runs kiro-cli as the other user, who cannot read the runner's environment", async () => {
      const events = await runToEnd(runner, { message: "@whoami\n@runner-env", session_key: "s" });
      expect(textOf(events)).toContain(`uid=${KIRO?.uid} gid=${KIRO?.gid}\n`);
      expect(textOf(events)).toContain("runner environ: EACCES\n");
    });

    it("writes a saved file, and the directories it needs, as the other user", async () => {
      const written = await request<{ path: string }>(runner, "POST", "/workspace/files", {
        path: `notes/${driver}/saved.md`,
        content: "# saved\n",
      });
      expect(written.status).toBe(200);
      for (const target of [written.body.path, path.dirname(written.body.path)]) {
        expect(statSync(target).uid, target).toBe(KIRO?.uid);
      }
    });

    it("clones as the other user", async () => {
      const cloned = await request<{ path: string }>(runner, "POST", "/workspace/clone", {
        url: repoUrl,
        path: `clones/${driver}`,
      });
      expect(cloned.status, JSON.stringify(cloned.body)).toBe(200);
      expect(statSync(path.join(cloned.body.path, ".git")).uid).toBe(KIRO?.uid);
    });
  });

  it("makes a workspace change with the user's rights, not the runner's", async () => {
    const outside = path.join(scratch, "root-only");
    mkdirSync(outside, { mode: 0o755 });
    // What a swapped-in symlink would lead a write to: somewhere only root may write.
    await expect(writeFile(KIRO, path.join(outside, "planted"), "x")).rejects.toMatchObject({
      code: "EACCES",
    });
    const link = path.join(ownedDir(scratch, "links"), "link");
    writeFileSync(path.join(outside, "target"), "kept");
    symlinkSync(path.join(outside, "target"), link);
    await expect(writeFile(KIRO, link, "x")).rejects.toMatchObject({ code: "ELOOP" });
  });

  it("lets git, running as the other user, ask the credential program for the user's token", async () => {
    const credential = { username: "x-access-token", password: "ghp_user-token-0123456789" };
    const answer = await withGitCredential(
      credential,
      "https://git.example.com/acme/widget.git",
      async (env) => {
        expect(statSync(env.GIT_ASKPASS ?? "").uid).toBe(KIRO?.uid);
        return execFileSync(
          env.GIT_ASKPASS ?? "",
          ["Password for 'https://x-access-token@git.example.com': "],
          {
            env: { ...env, PATH: process.env.PATH },
            uid: KIRO?.uid,
            gid: KIRO?.gid,
            encoding: "utf8",
          },
        );
      },
      KIRO,
    );
    expect(answer).toBe(`${credential.password}\n`);
  });

  it("refuses KIRO_RUN_AS for a user that does not exist", async () => {
    const failure = await startRunner({ env: { KIRO_RUN_AS: "no-such-user-here" } }).catch(
      (error: unknown) => error,
    );
    expect(String(failure)).toContain("KIRO_RUN_AS=no-such-user-here: there is no such user");
  });
});
