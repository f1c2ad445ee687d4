/**
 * Just enough of Dockerfile and .dockerignore syntax to check an image definition without Docker:
 * instructions with their continuation lines joined, ENV/ARG pairs, and the build context's
 * ignore rules (Go filepath.Match patterns plus `**`, `!` exceptions, last match wins, a matched
 * directory takes its contents with it).
 */

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY … */
  name: string;
  /** Everything after the instruction name, continuation lines joined with a space. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === undefined)) continue;
    const continued = line.endsWith("\\");
    const body = continued ? line.slice(0, -1).trim() : line;
    pending = pending
      ? { text: `${pending.text} ${body}`, line: pending.line }
      : { text: body, line: index + 1 };
    if (continued) continue;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match?.[1] !== undefined) {
      instructions.push({ name: match[1].toUpperCase(), args: (match[2] ?? "").trim(), line: pending.line });
    }
    pending = undefined;
  }
  return instructions;
}

/** `KEY=value …` (or the legacy `KEY value`) of an ENV or ARG instruction; ARG may omit the value. */
export function keyValues(instruction: Instruction): Map<string, string | undefined> {
  const pairs = new Map<string, string | undefined>();
  const tokens = instruction.args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  if (instruction.name === "ENV" && tokens.length >= 2 && !tokens[0]?.includes("=")) {
    pairs.set(tokens[0] ?? "", unquote(tokens.slice(1).join(" ")));
    return pairs;
  }
  for (const token of tokens) {
    const at = token.indexOf("=");
    if (at < 0) pairs.set(token, undefined);
    else pairs.set(token.slice(0, at), unquote(token.slice(at + 1)));
  }
  return pairs;
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/s, "$1").replace(/^'(.*)'$/s, "$1");
}

/** The sources of a COPY or ADD (everything but its flags and its destination). */
export function copySources(instruction: Instruction): string[] {
  const args = instruction.args.startsWith("[")
    ? (JSON.parse(instruction.args) as string[])
    : instruction.args.split(/\s+/).filter((arg) => !arg.startsWith("--"));
  return args.slice(0, -1);
}

/** Whether a path relative to the build context is left out of it by these .dockerignore lines. */
export function isIgnored(dockerignore: string, file: string): boolean {
  let ignored = false;
  for (const raw of dockerignore.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    const pattern = (negated ? line.slice(1) : line)
      .trim()
      .replace(/^\.?\//, "")
      .replace(/\/$/, "");
    if (matchesWithParents(pattern, file.replace(/^\.?\//, ""))) ignored = !negated;
  }
  return ignored;
}

function matchesWithParents(pattern: string, file: string): boolean {
  const regex = globRegex(pattern);
  const parts = file.split("/");
  return parts.some((_, i) => regex.test(parts.slice(0, i + 1).join("/")));
}

function globRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? "";
    if (char === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** The packages a RUN installs with `apt-get install` (flags left out), in order. */
export function aptPackages(instruction: Instruction): string[] {
  const packages: string[] = [];
  for (const match of instruction.args.matchAll(/\bapt-get\s+install\b([^;&|]*)/g)) {
    packages.push(...(match[1] ?? "").split(/\s+/).filter((word) => word !== "" && !word.startsWith("-")));
  }
  return packages;
}

/** Every ARG's default value (empty when it has none), the way Docker hands ARGs to RUN. */
export function argDefaults(instructions: Instruction[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const instruction of instructions.filter((i) => i.name === "ARG")) {
    for (const [name, value] of keyValues(instruction)) args[name] = value ?? "";
  }
  return args;
}
