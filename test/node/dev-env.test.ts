/** The env file `npm run dev` writes for wrangler: no value can add a line or a variable to it. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EnvFileError, envFileText, localKey } from "../../scripts/dev-env.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "kiro-dev-env-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("envFileText", () => {
  it("writes one NAME=value line per variable", () => {
    const text = envFileText({ KIRO_RUNNER_URL: "http://127.0.0.1:4242", KIRO_ADMIN_TOKEN: "abc_DEF-123" });
    expect(text).toBe("KIRO_RUNNER_URL=http://127.0.0.1:4242\nKIRO_ADMIN_TOKEN=abc_DEF-123\n");
  });

  it.each([
    ["a line break", "x\nKIRO_ADMIN_TOKEN=chosen"],
    ["a carriage return", "x\rKIRO_ADMIN_TOKEN=chosen"],
    ["a quote", 'x"y'],
    ["a single quote", "x'y"],
    ["an expansion", "$KIRO_RUNNER_SECRET"],
    ["a comment", "x #y"],
    ["a space", "x y"],
    ["a backslash", "x\\ny"],
    ["a NUL", "x\0y"],
  ])("refuses a value with %s", (_name, value) => {
    expect(() => envFileText({ KIRO_ADMIN_TOKEN: value })).toThrow(EnvFileError);
  });

  it("refuses a name that is not one", () => {
    expect(() => envFileText({ "A=B\nC": "x" })).toThrow(EnvFileError);
  });
});

describe("localKey", () => {
  it("makes a 256-bit key once, private to its owner, and reads the same one back", () => {
    const file = path.join(dir, "state", "admin-token");
    const key = localKey(file);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(localKey(file)).toBe(key);
    expect(readFileSync(file, "utf8")).toBe(`${key}\n`);
  });

  it.each([
    [
      "a saved conversation with a chosen token on its own line",
      "# Kiro session\n\nKIRO_ADMIN_TOKEN=chosen\n",
    ],
    ["a key followed by another variable", `${"A".repeat(43)}\nKIRO_RUNNER_URL=http://evil\n`],
    ["a short value", "chosen\n"],
  ])("refuses a key file holding %s", (_name, content) => {
    const file = path.join(dir, "admin-token");
    writeFileSync(file, content);
    expect(() => localKey(file)).toThrow(/Delete it/);
  });
});
