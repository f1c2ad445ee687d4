/** Starts the stand-in GitHub for the workers-github project. */
import type { TestProject } from "vitest/node";
import { startGithubStandIn } from "../helpers/github-stand-in.ts";

export default async function setup(project: TestProject) {
  const github = await startGithubStandIn();
  project.provide("githubUrl", github.url);
  return () => github.close();
}
