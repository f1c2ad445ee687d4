/**
 * Changes the runner makes in the workspace on Kiro's behalf (creating a directory, writing a
 * saved file, removing a failed clone), made by a short child process running as KIRO_RUN_AS.
 * The kernel then judges every step by that user's rights: a symlink Kiro swaps in between the
 * runner's checks and the write can only lead somewhere Kiro could write anyway, never into the
 * root-owned rest of the container. Without KIRO_RUN_AS the runner makes the change itself.
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import { type RunAs, spawnUser } from "../process/run-as.ts";

/** Run by `node -e` as the user: one step, its errno code on stderr when it fails. */
const STEP = `
const fs = require("node:fs");
const [step, target] = process.argv.slice(1);
try {
  if (step === "mkdir") fs.mkdirSync(target, 0o755);
  else if (step === "write") {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW;
    const fd = fs.openSync(target, flags, 0o644);
    try { fs.writeFileSync(fd, fs.readFileSync(0)); } finally { fs.closeSync(fd); }
  } else if (step === "rm") fs.rmSync(target, { recursive: true, force: true });
  else throw Object.assign(new Error("unknown step"), { code: "EINVAL" });
} catch (error) {
  process.stderr.write(String(error.code || "EIO"));
  process.exit(1);
}
`;

/** Creates directory `dir` (its parent exists); fails with EEXIST like mkdir when it exists. */
export async function makeDirectory(user: RunAs | undefined, dir: string): Promise<void> {
  if (user === undefined) return void (await mkdir(dir));
  await stepAs(user, "mkdir", dir);
}

/** Creates or truncates `file` (never through a symlink: ELOOP) and writes `content`. */
export async function writeFile(user: RunAs | undefined, file: string, content: string): Promise<void> {
  if (user !== undefined) return stepAs(user, "write", file, content);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(file, flags, 0o644);
  try {
    await handle.writeFile(content, "utf8");
  } finally {
    await handle.close();
  }
}

/** Removes `target` and everything below it; a missing target is fine. */
export async function removeTree(user: RunAs | undefined, target: string): Promise<void> {
  if (user === undefined) return rm(target, { recursive: true, force: true });
  await stepAs(user, "rm", target);
}

function stepAs(user: RunAs, step: string, target: string, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", STEP, step, target], {
      ...spawnUser(user),
      cwd: "/",
      env: {},
      stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr += text.slice(0, 100);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) return resolve();
      const errno = /^E[A-Z]+$/.test(stderr) ? stderr : "EIO";
      reject(Object.assign(new Error(`${step} ${target} as ${user.name} failed: ${errno}`), { code: errno }));
    });
    child.stdin?.on("error", () => {}); // the exit code says what happened
    child.stdin?.end(input);
  });
}
