import { withoutCredentials } from "../../container/src/protocol/index.ts";
import { ErrorCode, KiroError } from "../errors.ts";
import type { CloneResponse, RunnerClient } from "../runner/client.ts";
import type { ClonedRepository, SessionSettings } from "./meta.ts";

/**
 * Where a session starts: its working directory resolved on the runner, or — with a repository
 * to clone — the fresh clone (in `workingDirectory`, or a directory named after the repository).
 */
export async function prepareWorkspace(
  runner: RunnerClient,
  settings: SessionSettings,
): Promise<{ workingDirectory: string; cloned: ClonedRepository | null }> {
  const repository = settings.repository;
  if (!repository) {
    return { workingDirectory: await runner.resolveWorkspace(settings.workingDirectory), cloned: null };
  }
  const path = settings.workingDirectory || cloneDirectoryName(repository.url);
  const clone: CloneResponse = await runner.clone({ url: repository.url, path, ref: repository.ref });
  return {
    workingDirectory: clone.path,
    cloned: { url: withoutCredentials(repository.url), ref: repository.ref ?? null, commit: clone.commit },
  };
}

/**
 * Refuses an agent kiro-cli would not find in the session's working directory (it would exit 4
 * on the first message): better to say so when the session is created.
 */
export async function requireAgent(
  runner: RunnerClient,
  agent: string | null,
  workingDirectory: string,
): Promise<void> {
  if (agent === null) return;
  const agents = await runner.agents(workingDirectory);
  if (agents.some((known) => known.name === agent)) return;
  const names = agents.map((known) => known.name).join(", ");
  throw new KiroError(
    ErrorCode.InvalidInput,
    `Agent "${agent}" not found. Agents available here: ${names}. Custom agents live in ~/.kiro/agents or <workspace>/.kiro/agents (see kiro_agents_list).`,
  );
}

/** "https://github.com/acme/widget.git" → "widget"; anything unusable → "repository". */
export function cloneDirectoryName(url: string): string {
  const last =
    url
      .replace(/[/\\]+$/, "")
      .split(/[/:]/)
      .at(-1) ?? "";
  const name = last.replace(/\.git$/, "").replace(/[^A-Za-z0-9._-]/g, "");
  return name && !name.startsWith(".") ? name : "repository";
}
