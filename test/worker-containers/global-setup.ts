/**
 * For the tests of sessions on their own containers: a container host whose containers are real
 * runner processes (test/helpers/container-host.ts), and a local repository to clone.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startContainerHost } from "../helpers/container-host.ts";
import { createGitFixture } from "../helpers/git-fixture.ts";

export default async function setup(project: TestProject) {
  const scratch = mkdtempSync(path.join(tmpdir(), "kiro-container-tests-"));
  mkdirSync(path.join(scratch, "git"));
  const repos = createGitFixture(path.join(scratch, "git"));
  const host = await startContainerHost(path.join(scratch, "host"), { KIRO_ALLOW_FILE_CLONES: "1" });
  project.provide("containerHostUrl", host.url);
  project.provide("gitRepository", { url: repos.url, commit: repos.main, featureCommit: repos.feature });
  return async () => {
    await host.close();
    rmSync(scratch, { recursive: true, force: true });
  };
}
