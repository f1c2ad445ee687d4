/**
 * GET /agents: the agents kiro-cli can run for a working directory. Kiro's built-in agent first,
 * then $KIRO_HOME/agents/*.json (global) and <cwd>/.kiro/agents/*.json (workspace), each sorted
 * by name. The name is the file's `name` field, else the file name; the description is its
 * `description` field. A file that cannot be read or is not a JSON object is skipped and logged:
 * one broken agent file never hides the others.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { AgentInfo } from "../protocol/index.ts";

export const BUILTIN_AGENT: AgentInfo = {
  name: "kiro_default",
  description: "Kiro's built-in agent",
  source: "builtin",
};

/** Agent files larger than this are not agent configurations. */
const MAX_AGENT_FILE_BYTES = 1024 * 1024;

/** Every agent for `cwd` (real, checked directory) with global agents from `kiroHome`. */
export async function listAgents(kiroHome: string, cwd: string, logger: Logger): Promise<AgentInfo[]> {
  const global = await agentsIn(path.join(kiroHome, "agents"), "global", logger);
  const workspace = await agentsIn(path.join(cwd, ".kiro", "agents"), "workspace", logger);
  return [BUILTIN_AGENT, ...global, ...workspace];
}

async function agentsIn(dir: string, source: "global" | "workspace", logger: Logger): Promise<AgentInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR")
      logger.warn("agents_dir_unreadable", { dir, code: code ?? "unknown" });
    return [];
  }
  const agents: AgentInfo[] = [];
  for (const name of names.filter((file) => file.endsWith(".json")).sort()) {
    const agent = await readAgent(path.join(dir, name), source, logger);
    if (agent !== undefined) agents.push(agent);
  }
  return agents.sort((a, b) => a.name.localeCompare(b.name));
}

async function readAgent(
  file: string,
  source: AgentInfo["source"],
  logger: Logger,
): Promise<AgentInfo | undefined> {
  let config: unknown;
  try {
    const text = await readFile(file, "utf8");
    if (Buffer.byteLength(text, "utf8") > MAX_AGENT_FILE_BYTES) throw new Error("too large");
    config = JSON.parse(text);
  } catch (error) {
    logger.warn("agent_file_skipped", { file, reason: errnoCode(error) ?? "not valid JSON" });
    return undefined;
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    logger.warn("agent_file_skipped", { file, reason: "not a JSON object" });
    return undefined;
  }
  const { name, description } = config as Record<string, unknown>;
  return {
    name: typeof name === "string" && name.trim() !== "" ? name : path.basename(file, ".json"),
    description: typeof description === "string" ? description : null,
    source,
  };
}
