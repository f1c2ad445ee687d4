/** Checks on what a session starts in: its custom agent, and the directory its clone goes to. */
import { ErrorCode, KiroError } from "../errors.ts";
import type { RunnerClient } from "../runner/client.ts";

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
