/**
 * `node scripts/check-cycles.ts [folder…]` (part of `npm run check`): fails when the imports between
 * the TypeScript files under the folders (default `src` and `container/src`, taken as one graph, so
 * a circle through the Worker/runner boundary counts) form a cycle, and prints each cycle as a path.
 *
 * Every relative `import … from`, `export … from`, `import "…"` and `import("…")` is an edge,
 * `import type` included: type-only imports vanish at runtime, but a cycle of them still means
 * neither module can be read without the other. Imports of files outside the folders and of
 * packages are not followed. The imports are found with regular expressions over the source as
 * Biome formats it (each declaration starts a line); lines that open with `//`, `/*` or `*` are
 * comments and are skipped.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of a module → the modules (under the same folders) it imports, sorted. */
export type ImportGraph = Map<string, string[]>;

/** The files of one strongly connected group and the shortest cycle through its first file. */
export interface ImportCycle {
  members: string[];
  /** Starts and ends with the same file. */
  cycle: string[];
}

const SOURCE_FILE = /\.m?ts$/;
const COMMENT_LINE = /^[ \t]*(?:\/\/|\/\*|\*).*$/gm;
/** `import x, { a, type b } from "…"`, `import * as n from`, `export { a } from`, `export * from`, `import type …`. */
const FROM_CLAUSE =
  /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s*from\s*(["'])([^"'\n]+)\1/gm;
const SIDE_EFFECT = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
/** Dynamic imports and `typeof import("…")` in types. */
const IMPORT_CALL = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g;

/** The module specifiers a source text imports, in order of appearance per kind. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(COMMENT_LINE, "");
  return [FROM_CLAUSE, SIDE_EFFECT, IMPORT_CALL].flatMap((pattern) =>
    [...code.matchAll(pattern)].map((match) => match[2] ?? ""),
  );
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE_FILE.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes("node_modules"));
}

function resolveImport(from: string, specifier: string, files: Set<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = path.resolve(path.dirname(from), specifier);
  const candidates = [target, target.replace(/\.js$/, ".ts"), `${target}.ts`, path.join(target, "index.ts")];
  return candidates.find((candidate) => files.has(candidate));
}

/** The relative imports among all TypeScript files under `folders`. */
export function importGraph(folders: readonly string[]): ImportGraph {
  const files = new Set(folders.flatMap((folder) => sourceFiles(path.resolve(folder))));
  const graph: ImportGraph = new Map();
  for (const file of [...files].sort()) {
    const targets = importSpecifiers(readFileSync(file, "utf8"))
      .map((specifier) => resolveImport(file, specifier, files))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Tarjan's algorithm: the strongly connected groups of the graph, each sorted. */
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) visit(next);
      if (onStack.has(next)) low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      group.push(member);
      if (member === node) break;
    }
    groups.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return groups;
}

/** Breadth-first within one group: the shortest path from `start` back to itself. */
function shortestCycle(graph: ImportGraph, members: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const trail = [node];
        for (let at = cameFrom.get(node); at !== undefined; at = cameFrom.get(at)) trail.push(at);
        return [...trail.reverse(), start];
      }
      if (members.has(next) && !cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/** Every group of modules that import each other, directly or through others, sorted by first file. */
export function findCycles(graph: ImportGraph): ImportCycle[] {
  return stronglyConnected(graph)
    .filter((group) => group.length > 1 || (graph.get(group[0] ?? "") ?? []).includes(group[0] ?? ""))
    .map((members) => ({ members, cycle: shortestCycle(graph, new Set(members), members[0] ?? "") }))
    .sort((a, b) => (a.members[0] ?? "").localeCompare(b.members[0] ?? ""));
}

function main(folders: string[]): void {
  const graph = importGraph(folders);
  const cycles = findCycles(graph);
  const shown = (file: string): string => path.relative(process.cwd(), file);
  if (cycles.length === 0) {
    process.stdout.write(
      `check-cycles: no import cycles among ${graph.size} files in ${folders.join(", ")}\n`,
    );
    return;
  }
  for (const { members, cycle } of cycles) {
    process.stderr.write(`check-cycles: import cycle: ${cycle.map(shown).join(" → ")}\n`);
    if (members.length > cycle.length - 1) {
      process.stderr.write(
        `  the cycle ties ${members.length} files together: ${members.map(shown).join(", ")}\n`,
      );
    }
  }
  process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folders = process.argv.slice(2);
  main(folders.length > 0 ? folders : ["src", "container/src"]);
}
