/**
 * Runs the Dockerfile's Kiro CLI install step (its RUN script, under `sh -c` as Docker does)
 * without Docker or a network: stand-ins for curl (serves a release directory from disk), unzip
 * (copies the release's kirocli/ tree) and ldd (prints the libraries the test chooses), and Kiro
 * binaries that record how they were called. /usr/local/bin points into the sandbox and TMPDIR
 * is the sandbox's, so nothing outside it is touched. Every stand-in appends a line to one log,
 * so a test can see what ran and in which order.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface KiroRelease {
  /** Files of the release directory (stable/<version>/), by name: the zips and manifest.json. */
  files: Record<string, string>;
}

export interface SandboxRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** One line per stand-in call: `curl <url>`, `unzip`, `ldd <files>`, `kiro-cli <args>`… */
  log: string[];
  /** What ended up in the sandbox's /usr/local/bin. */
  installed: string[];
}

export interface SandboxOptions {
  /** The release directory the stand-in curl serves. */
  release: KiroRelease;
  /** Environment the RUN gets: the Dockerfile's ARGs (TARGETARCH, KIRO_CLI_VERSION, pins…). */
  args: Record<string, string>;
  /** What ldd prints under each binary; the default resolves every library. */
  lddLibraries?: string;
  /** Exit code of `kiro-cli-chat --help`. */
  chatHelpExit?: number;
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** A release directory for `version` whose manifest lists the sha256 of each of `zips`. */
export function kiroRelease(version: string, zips: string[]): KiroRelease {
  const files: Record<string, string> = {};
  for (const zip of zips) files[zip] = `zip bytes of ${zip} ${version}`;
  const packages = zips.map((zip) => ({
    os: "linux",
    download: `${version}/${zip}`,
    sha256: sha256(files[zip] ?? ""),
  }));
  files["manifest.json"] = JSON.stringify({ version, packages });
  return { files };
}

export function runKiroInstall(script: string, options: SandboxOptions): SandboxRun {
  const root = mkdtempSync(path.join(os.tmpdir(), "kiro-install-"));
  try {
    const dirs = {
      serve: path.join(root, "serve"),
      stubs: path.join(root, "stubs"),
      bin: path.join(root, "bin"),
    };
    const tmp = path.join(root, "tmp");
    for (const dir of [...Object.values(dirs), tmp]) mkdirSync(dir);
    const log = path.join(root, "log");
    writeFileSync(log, "");
    for (const [name, body] of Object.entries(options.release.files))
      writeFileSync(path.join(dirs.serve, name), body);
    writeStandIns(dirs, log, options);
    const result = spawnSync("sh", ["-c", script.replaceAll("/usr/local/bin", dirs.bin)], {
      encoding: "utf8",
      timeout: 30_000,
      env: {
        ...options.args,
        PATH: [dirs.stubs, dirs.bin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
        TMPDIR: tmp,
        HOME: root,
      },
    });
    return {
      code: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      log: readFileSync(log, "utf8").split("\n").filter(Boolean),
      installed: readdirSync(dirs.bin).sort(),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function writeStandIns(dirs: { serve: string; stubs: string }, log: string, options: SandboxOptions): void {
  const kiroBin = path.join(dirs.serve, "kirocli", "bin");
  mkdirSync(kiroBin, { recursive: true });
  const script = (file: string, body: string) => {
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  };
  script(
    path.join(dirs.stubs, "curl"),
    `out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift 2 ;; https://*) url="$1"; shift ;; *) shift ;; esac
done
echo "curl $url" >> '${log}'
file='${dirs.serve}'/"$(basename "$url")"
[ -f "$file" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "$file" "$out"`,
  );
  script(
    path.join(dirs.stubs, "unzip"),
    `dest=""
while [ $# -gt 0 ]; do case "$1" in -d) dest="$2"; shift 2 ;; *) shift ;; esac; done
echo "unzip" >> '${log}'
cp -R '${path.join(dirs.serve, "kirocli")}' "$dest/"`,
  );
  const libraries =
    options.lddLibraries ?? "\tlibasound.so.2 => /lib/x86_64-linux-gnu/libasound.so.2 (0x00007f)";
  writeFileSync(path.join(dirs.stubs, "ldd-output"), `${libraries}\n`);
  script(
    path.join(dirs.stubs, "ldd"),
    `echo "ldd $*" >> '${log}'
for file in "$@"; do echo "$file:"; cat '${path.join(dirs.stubs, "ldd-output")}'; done`,
  );
  script(
    path.join(kiroBin, "kiro-cli"),
    `echo "kiro-cli $*" >> '${log}'
[ "$1" = --version ] && echo "kiro-cli 2.13.0"
exit 0`,
  );
  script(
    path.join(kiroBin, "kiro-cli-chat"),
    `echo "kiro-cli-chat $*" >> '${log}'
exit ${options.chatHelpExit ?? 0}`,
  );
  script(path.join(kiroBin, "kiro-cli-term"), `echo "kiro-cli-term $*" >> '${log}'`);
}
