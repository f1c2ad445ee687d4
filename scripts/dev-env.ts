/**
 * The secrets `npm run dev` hands to wrangler, and the env file that carries them. Every value is
 * checked before it is written, so no value can add a line (or a variable) to the file: a key
 * file that was tampered with stops `npm run dev` with a message, it is never passed on.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What `localKey` makes: 32 random bytes in base64url, exactly 43 characters. */
const LOCAL_KEY = /^[A-Za-z0-9_-]{43}$/;
/** Variable names and values an env file line may hold: nothing that quotes, expands or ends a line. */
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const ENV_VALUE = /^[A-Za-z0-9._~:/@+=,-]*$/;

/** An env file line or value that could change the meaning of the file. */
export class EnvFileError extends Error {
  override name = "EnvFileError";
}

/**
 * A key kept in `file` across runs (made on first use, mode 0600 in a 0700 directory). A file
 * whose content is not a key this function made is refused, never used.
 */
export function localKey(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  }
  const key = readFileSync(file, "utf8").replace(/\n$/, "");
  if (!LOCAL_KEY.test(key)) {
    throw new EnvFileError(
      `${file} does not hold a key made by npm run dev (43 base64url characters on one line). Delete it and run npm run dev again to make a new one.`,
    );
  }
  return key;
}

/** The text of an env file setting `vars`; throws EnvFileError on anything that is not plain. */
export function envFileText(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new EnvFileError(`${JSON.stringify(name)} is not a variable name`);
      if (!ENV_VALUE.test(value)) {
        throw new EnvFileError(
          `the value of ${name} holds characters an env file could misread (only A-Z a-z 0-9 . _ ~ : / @ + = , - are passed on)`,
        );
      }
      return `${name}=${value}\n`;
    })
    .join("");
}
