/**
 * The import-cycle check of `npm run check` (scripts/check-cycles.ts), run as `npm run check` runs
 * it — a child process on folders of real files — plus its import reader on each import form.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { findCycles, importGraph, importSpecifiers } from "../../scripts/check-cycles.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/check-cycles.ts", import.meta.url));
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A temporary folder holding `files` (relative path → source). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "check-cycles-"));
  folders.push(root);
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), source);
  }
  return root;
}

function check(root: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: root, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("check-cycles", () => {
  it("fails on a cycle of three modules and prints it as a path", () => {
    const root = tree({
      "src/a.ts": 'import { b } from "./b.ts";\nexport const a = b + 1;\n',
      "src/b.ts": 'import {\n  c,\n  type C,\n} from "./deep/c.ts";\nexport const b: C = c;\n',
      "src/deep/c.ts": 'export type C = number;\nexport * from "../a.ts";\nexport const c = 1;\n',
      "src/leaf.ts": 'import { a } from "./a.ts";\nexport const leaf = a;\n',
    });
    const result = check(root, "src");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("import cycle: src/a.ts → src/b.ts → src/deep/c.ts → src/a.ts");
    expect(result.stderr).not.toContain("leaf.ts");
  });

  it("counts type-only imports", () => {
    const root = tree({
      "src/contract.ts": 'import type { Impl } from "./impl.ts";\nexport type Contract = { impl: Impl };\n',
      "src/impl.ts": 'import type { Contract } from "./contract.ts";\nexport type Impl = { of: Contract };\n',
    });
    const result = check(root, "src");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("import cycle: src/contract.ts → src/impl.ts → src/contract.ts");
  });

  it("follows imports from one folder into another, as from src/ into container/src/", () => {
    const root = tree({
      "worker/client.ts": 'import type { Wire } from "../runner/wire.ts";\nexport type Client = Wire;\n',
      "runner/wire.ts": 'import type { Client } from "../worker/client.ts";\nexport type Wire = Client[];\n',
    });
    expect(check(root, "worker").status).toBe(0);
    const result = check(root, "worker", "runner");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("runner/wire.ts → worker/client.ts → runner/wire.ts");
  });

  it("passes on an acyclic tree and names what it read", () => {
    const root = tree({
      "src/index.ts":
        'import { left } from "./left.ts";\nimport { right } from "./right.ts";\nexport { left, right };\n',
      "src/left.ts": 'import { base } from "./base.ts";\nexport const left = base;\n',
      "src/right.ts":
        'import { base } from "./base.ts";\nimport { z } from "zod";\nexport const right = base + String(z);\n',
      // A comment and a string that mention an import back to index.ts are not imports.
      "src/base.ts":
        '// import { left } from "./index.ts";\nexport const base = 1;\nexport const s = "from ./index.ts";\n',
    });
    const result = check(root, "src");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("no import cycles among 4 files in src");
  });

  it("reports a group of modules once, with every member, and a module importing itself", () => {
    const root = tree({
      "m/a.ts": 'import "./b.ts";\nimport "./c.ts";\n',
      "m/b.ts": 'import "./a.ts";\n',
      "m/c.ts": 'import "./a.ts";\n',
      "m/self.ts": 'export const load = () => import("./self.ts");\n',
    });
    const cycles = findCycles(importGraph([path.join(root, "m")]));
    const relative = (files: string[]) => files.map((file) => path.relative(root, file));
    expect(cycles.map((cycle) => relative(cycle.members))).toEqual([
      ["m/a.ts", "m/b.ts", "m/c.ts"],
      ["m/self.ts"],
    ]);
    expect(relative(cycles[0]?.cycle ?? [])).toEqual(["m/a.ts", "m/b.ts", "m/a.ts"]);
    expect(relative(cycles[1]?.cycle ?? [])).toEqual(["m/self.ts", "m/self.ts"]);
    const result = check(root, "m");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the cycle ties 3 files together: m/a.ts, m/b.ts, m/c.ts");
  });

  it("reads every import form and skips comment lines", () => {
    const source = [
      'import x from "./default.ts";',
      'import y, { z } from "./mixed.ts";',
      'import * as ns from "./namespace.ts";',
      'import type * as types from "./type-namespace.ts";',
      'import { type T, u } from "./inline-type.ts";',
      'import "./side-effect.ts";',
      'export { v } from "./reexport.ts";',
      'export type { W } from "./type-reexport.ts";',
      'export * as all from "./star-as.ts";',
      "type Lazy = typeof import('./type-query.ts');",
      'const later = await import("./dynamic.ts");',
      '// import { gone } from "./line-comment.ts";',
      '/* import "./block-comment.ts"; */',
      ' * see import("./doc-comment.ts")',
      'const text = `import q from "./inside-text.ts"`;',
    ].join("\n");
    expect(importSpecifiers(source).sort()).toEqual(
      [
        "./default.ts",
        "./dynamic.ts",
        "./inline-type.ts",
        "./mixed.ts",
        "./namespace.ts",
        "./reexport.ts",
        "./side-effect.ts",
        "./star-as.ts",
        "./type-namespace.ts",
        "./type-query.ts",
        "./type-reexport.ts",
      ].sort(),
    );
  });
});
