/**
 * Deploy proof without a Cloudflare account or Docker: `wrangler deploy --dry-run` bundles the
 * Worker as a deploy would and exports every Durable Object class wrangler.toml binds, and the
 * runner image's Dockerfile is checked for what a registry scanner or reviewer would flag.
 * `--containers-rollout=none` is what lets the dry run skip building the image: without it
 * wrangler needs a Docker engine even in dry-run mode, and exits 1 where there is none.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { type ChildResult, packageBin, runNodeScript } from "../helpers/client-processes.ts";
import {
  aptPackages,
  argDefaults,
  copySources,
  type Instruction,
  isIgnored,
  keyValues,
  parseDockerfile,
} from "../helpers/dockerfile.ts";
import { kiroRelease, runKiroInstall, type SandboxOptions, sha256 } from "../helpers/kiro-install-sandbox.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CONTAINER_DIR = path.join(REPO_ROOT, "container");
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const WRANGLER_TOML = read("wrangler.toml");

describe("wrangler deploy --dry-run --containers-rollout=none", () => {
  let scratch: string;
  let run: ChildResult;
  let bundle: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "kiro-deploy-dry-run-"));
    const outdir = path.join(scratch, "dist");
    run = await runNodeScript(
      packageBin("wrangler", "wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir, "--containers-rollout=none"],
      {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: scratch, // wrangler writes its logs and config under the home directory
          WRANGLER_LOG_PATH: path.join(scratch, "logs"),
          WRANGLER_SEND_METRICS: "false",
          NO_COLOR: "1",
        },
        timeoutMs: 60_000,
        cwd: REPO_ROOT,
      },
    );
    const bundlePath = path.join(outdir, "index.js");
    bundle = existsSync(bundlePath) ? readFileSync(bundlePath, "utf8") : "";
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("exits 0 and writes the bundle", () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain("--dry-run: exiting now.");
    expect(bundle.length).toBeGreaterThan(100_000);
  });

  it("exports every Durable Object class wrangler.toml binds, and the default handler", () => {
    const classNames = [...WRANGLER_TOML.matchAll(/^class_name = "(\w+)"/gm)].map((match) => match[1]);
    expect(new Set(classNames)).toEqual(
      new Set(["Account", "KiroSession", "TokenRegistry", "KiroContainer"]),
    );
    const exported = /export \{([^}]*)\};\s*(?:\/\*[\s\S]*?\*\/\s*)?(?:\/\/# sourceMappingURL=\S+\s*)?$/.exec(
      bundle,
    );
    const names = (exported?.[1] ?? "").split(",").map((name) =>
      name
        .trim()
        .split(/\s+as\s+/)
        .at(-1),
    );
    for (const name of classNames) {
      expect(names, name).toContain(name);
      expect(bundle).toMatch(new RegExp(`var ${name} = class extends `));
    }
    expect(names).toContain("default");
    expect(run.stdout).toMatch(/env\.KIRO_CONTAINER \(KiroContainer\)\s+Durable Object/);
  });

  it("runs KiroContainer on the Durable Object container API, without the deprecated Container class", () => {
    expect(bundle).toMatch(/var KiroContainer = class extends DurableObject\d* \{/);
    expect(bundle).not.toContain("__CF_CONTAINER_STATE");
    expect(bundle).not.toMatch(/\bContainerProxy\b/);
  });

  it("accepts every field of wrangler.toml", () => {
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/Unexpected fields/);
  });

  it("lets each session's container start from its snapshot: the durable_object scheduling policy", () => {
    const config = unstable_readConfig({ config: path.join(REPO_ROOT, "wrangler.toml") });
    const containers = (config.containers ?? []) as {
      class_name: string;
      scheduling_policy?: string;
      images?: Record<string, { dockerfile?: string }>;
      rollout_active_grace_period?: number;
      max_instances?: number;
    }[];
    const container = containers.find((c) => c.class_name === "KiroContainer");
    // Snapshots exist only under this policy; under it a deploy stops no running container (a
    // container takes a new image at its next start), so there is no rollout to configure.
    expect(container?.scheduling_policy).toBe("durable_object");
    // "runner": the name src/runner/container-control.ts (RUNNER_IMAGE) starts it by.
    expect(container?.images?.runner?.dockerfile).toBe("./container/Dockerfile");
    expect(container?.rollout_active_grace_period).toBeUndefined();
    expect(container?.max_instances).toBeUndefined();
    expect(run.stdout).toContain("KiroContainer (durable_object)");
  });

  it("cannot have a deploy grace period or max_instances with that policy: wrangler refuses both", () => {
    // Why wrangler.toml sets neither: the durable_object policy has no rollout (a deploy stops no
    // running container) and no per-application instance limit. Should wrangler ever accept them,
    // this fails, and the two settings are worth having again.
    const withBoth = WRANGLER_TOML.replace(
      /^scheduling_policy = "durable_object"$/m,
      "$&\nrollout_active_grace_period = 900\nmax_instances = 200",
    );
    expect(withBoth).not.toBe(WRANGLER_TOML);
    const config = path.join(scratch, "wrangler-with-rollout.toml");
    writeFileSync(config, withBoth);
    expect(() => unstable_readConfig({ config })).toThrow(
      /Unsupported fields for Durable Object-managed Containers in containers: "rollout_active_grace_period","max_instances"/,
    );
  });
});

describe("container/Dockerfile", () => {
  const instructions = parseDockerfile(readFileSync(path.join(CONTAINER_DIR, "Dockerfile"), "utf8"));
  const all = (name: string): Instruction[] => instructions.filter((i) => i.name === name);
  const dockerignore = readFileSync(path.join(CONTAINER_DIR, ".dockerignore"), "utf8");

  it("builds on a base image pinned to a version", () => {
    const bases = all("FROM").map(
      (from) => from.args.split(/\s+/).find((arg) => !arg.startsWith("--")) ?? "",
    );
    expect(bases.length).toBeGreaterThan(0);
    for (const image of bases) {
      const tag = /^[^@]+:([^:@/]+)$/.exec(image)?.[1];
      const digest = /@sha256:[0-9a-f]{64}$/.test(image);
      expect(digest || (tag !== undefined && tag !== "latest" && /\d/.test(tag)), image).toBe(true);
    }
  });

  it("installs a pinned Kiro CLI, never whatever is latest", () => {
    const version = all("ARG")
      .map((arg) => /^KIRO_CLI_VERSION=(\S+)$/.exec(arg.args)?.[1])
      .find(Boolean);
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const downloads = all("RUN").filter((run) => run.args.includes("kirocli"));
    expect(downloads.length).toBeGreaterThan(0);
    for (const run of downloads) expect(run.args).not.toMatch(/\/latest\//);
  });

  it("runs Kiro as a non-root user of its own (KIRO_RUN_AS), apart from the runner", () => {
    const env = new Map(all("ENV").flatMap((i) => [...keyValues(i)]));
    const user = env.get("KIRO_RUN_AS");
    expect(user).toBe("kiro");
    const useradd = all("RUN").find((run) => new RegExp(`\\buseradd\\b.*\\s${user}(\\s|$)`).test(run.args));
    const uid = Number(/--uid\s+(\d+)/.exec(useradd?.args ?? "")?.[1]);
    expect(uid).toBeGreaterThanOrEqual(1000);
    // The runner's own state is out of Kiro's reach.
    const stateDir = env.get("KIRO_RUNNER_STATE_DIR") ?? "";
    expect(stateDir).not.toBe("");
    expect(useradd?.args).toContain(`install -d -m 0700 ${stateDir}`);
    expect(stateDir.startsWith("/home/") || stateDir.startsWith("/workspace")).toBe(false);
  });

  it("runs the runner as root only so that it can start Kiro as KIRO_RUN_AS", () => {
    // A runner that is not root refuses KIRO_RUN_AS (container/src/config.ts), so the two go together.
    const user = all("USER").at(-1)?.args.split(":")[0];
    expect(["root", "0"]).toContain(user);
    const env = new Map(all("ENV").flatMap((i) => [...keyValues(i)]));
    expect(env.get("KIRO_RUN_AS")).toBeDefined();
    expect(env.has("HOME")).toBe(false); // the runner's is root's; kiro's comes with KIRO_RUN_AS
    const lastUser = all("USER").at(-1)?.line ?? Infinity;
    for (const start of [...all("CMD"), ...all("ENTRYPOINT")]) expect(start.line).toBeGreaterThan(lastUser);
  });

  it("bakes in no secret: no ENV or ARG for a key, token, secret or password", () => {
    for (const instruction of [...all("ENV"), ...all("ARG")]) {
      for (const [name, value] of keyValues(instruction)) {
        const secretish = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i.test(name);
        expect(
          secretish ? `${instruction.name} ${name}=${value ?? ""}` : "",
          `line ${instruction.line}`,
        ).toBe("");
      }
    }
  });

  it("installs the runner's dependencies with npm ci from a committed lockfile in sync", () => {
    const npmCi = all("RUN").findIndex((run) => /\bnpm ci\b/.test(run.args));
    expect(npmCi).toBeGreaterThanOrEqual(0);
    expect(all("RUN").some((run) => /\bnpm (install|i)\b/.test(run.args))).toBe(false);
    const copiesLock = instructions.findIndex(
      (i) => i.name === "COPY" && copySources(i).includes("package-lock.json"),
    );
    expect(copiesLock).toBeGreaterThanOrEqual(0);
    expect(copiesLock).toBeLessThan(instructions.indexOf(all("RUN")[npmCi] as Instruction));
    const tracked = execFileSync("git", ["ls-files", "container/package-lock.json"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(tracked.trim()).toBe("container/package-lock.json");
    const manifest = JSON.parse(read("container/package.json")) as { dependencies: Record<string, string> };
    const lock = JSON.parse(read("container/package-lock.json")) as {
      packages: Record<string, { dependencies?: Record<string, string>; version?: string }>;
    };
    expect(lock.packages[""]?.dependencies).toEqual(manifest.dependencies);
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it("keeps every file COPY takes in the build context (.dockerignore)", () => {
    const excluded = all("COPY")
      .flatMap(copySources)
      .filter((source) => isIgnored(dockerignore, source));
    expect(excluded).toEqual([]);
  });

  it("exposes the port the runner listens on (PORT) and KiroContainer connects to", () => {
    const env = new Map(all("ENV").flatMap((i) => [...keyValues(i)]));
    const exposed = all("EXPOSE").flatMap((i) => i.args.split(/\s+/).map((port) => port.split("/")[0]));
    const runnerPort = /export const RUNNER_PORT = (\d+);/.exec(read("src/runner/container.ts"))?.[1];
    expect(env.get("PORT")).toBeDefined();
    expect(exposed).toEqual([env.get("PORT")]);
    expect(runnerPort).toBe(env.get("PORT"));
  });

  it("starts in exec form, so SIGTERM reaches the runner through tini", () => {
    for (const start of [...all("ENTRYPOINT"), ...all("CMD")]) {
      expect(() => JSON.parse(start.args), `${start.name} ${start.args}`).not.toThrow();
    }
    expect(JSON.parse(all("ENTRYPOINT").at(-1)?.args ?? "[]")).toEqual(["/usr/bin/tini", "--"]);
  });
});

describe("container/Dockerfile: Kiro CLI can run in the image", () => {
  const instructions = parseDockerfile(readFileSync(path.join(CONTAINER_DIR, "Dockerfile"), "utf8"));
  const runs = instructions.filter((i) => i.name === "RUN");
  const kiroInstall = runs.find((run) => run.args.includes("kirocli")) as Instruction;

  it("installs libasound2, which kiro-cli-chat links, before Kiro CLI is installed and checked", () => {
    const apt = runs.find((run) => aptPackages(run).length > 0);
    expect(apt && aptPackages(apt)).toContain("libasound2");
    expect(instructions.indexOf(apt as Instruction)).toBeLessThan(instructions.indexOf(kiroInstall));
  });

  it("gives the kiro user its home with Kiro's data paths, owned by kiro, and configures Kiro there as kiro", () => {
    const env = new Map(instructions.filter((i) => i.name === "ENV").flatMap((i) => [...keyValues(i)]));
    const user = env.get("KIRO_RUN_AS");
    const useradd = runs.find((run) => new RegExp(`\\buseradd\\b.*\\s${user}(\\s|$)`).test(run.args));
    const home = /--home-dir\s+(\S+)/.exec(useradd?.args ?? "")?.[1];
    expect(home).toBe(`/home/${user}`);
    expect(env.get("KIRO_HOME")).toBe(`${home}/.kiro`);
    for (const dir of [".local/share/kiro-cli", ".kiro/sessions/cli"]) {
      expect(useradd?.args).toMatch(
        new RegExp(`mkdir -p [^&;]*${home}/${dir.replaceAll(".", "[.]")}(\\s|$)`),
      );
    }
    expect(useradd?.args).toMatch(new RegExp(`chown -R ${user}:${user} [^&;]*${home}(\\s|$)`));
    // Kiro's settings are written as kiro, into kiro's home.
    const settings = instructions.findIndex((i) => i.name === "RUN" && i.args.includes("kiro-cli settings"));
    const userBefore = instructions.slice(0, settings).findLast((i) => i.name === "USER");
    expect(userBefore?.args).toBe(user);
    expect(instructions[settings]?.args).toContain(`HOME=${home} kiro-cli settings`);
  });

  describe("the download step, run with stand-ins for curl, unzip, ldd and the Kiro binaries", () => {
    const args = argDefaults(instructions);
    const version = args.KIRO_CLI_VERSION ?? "";
    const zips = ["kirocli-x86_64-linux.zip", "kirocli-aarch64-linux-musl.zip"];
    // The stand-in zips are not the real ones, so these runs pin the stand-in's sum unless a test
    // says otherwise (`dockerfilePins` keeps the Dockerfile's own).
    const standInPin = sha256(kiroRelease(version, zips).files["kirocli-x86_64-linux.zip"] ?? "");
    const run = (
      options: Partial<SandboxOptions> & { env?: Record<string, string>; dockerfilePins?: boolean } = {},
    ) =>
      runKiroInstall(kiroInstall.args, {
        release: options.release ?? kiroRelease(version, zips),
        args: {
          ...args,
          TARGETARCH: "amd64",
          ...(options.dockerfilePins ? {} : { KIRO_CLI_SHA256_AMD64: standInPin }),
          ...options.env,
        },
        ...(options.lddLibraries === undefined ? {} : { lddLibraries: options.lddLibraries }),
        ...(options.chatHelpExit === undefined ? {} : { chatHelpExit: options.chatHelpExit }),
      });
    const withManifest = (edit: (manifest: { packages: { download: string; sha256: string }[] }) => void) => {
      const release = kiroRelease(version, zips);
      const manifest = JSON.parse(release.files["manifest.json"] ?? "{}");
      edit(manifest);
      release.files["manifest.json"] = JSON.stringify(manifest);
      return release;
    };

    it("installs a zip that matches its manifest entry, then runs ldd, --version and kiro-cli-chat --help", () => {
      const result = run();
      expect(result.code, result.stderr).toBe(0);
      expect(result.log[0]).toBe(`curl https://prod.download.cli.kiro.dev/stable/${version}/manifest.json`);
      expect(result.log[1]).toBe(
        `curl https://prod.download.cli.kiro.dev/stable/${version}/kirocli-x86_64-linux.zip`,
      );
      expect(result.log[2]).toBe("unzip");
      expect(result.log.slice(3).map((line) => line.split(" ")[0])).toEqual([
        "ldd",
        "kiro-cli",
        "kiro-cli-chat",
      ]);
      expect(result.log).toContain("kiro-cli --version");
      expect(result.log).toContain("kiro-cli-chat --help");
      expect(result.installed).toEqual(["kiro-cli", "kiro-cli-chat", "kiro-cli-term"]);
    });

    it("fails before unzipping when the zip does not match the manifest's sha256", () => {
      const release = kiroRelease(version, zips);
      release.files["kirocli-x86_64-linux.zip"] = "tampered bytes";
      const result = run({ release });
      expect(result.code).not.toBe(0);
      expect(result.log).not.toContain("unzip");
      expect(result.installed).toEqual([]);
    });

    it("fails when the manifest has no entry, or no valid sha256, for the zip", () => {
      const missing = run({
        release: withManifest((m) => {
          m.packages = m.packages.filter((p) => !p.download.endsWith("/kirocli-x86_64-linux.zip"));
        }),
      });
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(
        `manifest.json has no single sha256 for ${version}/kirocli-x86_64-linux.zip`,
      );
      const malformed = run({
        release: withManifest((m) => {
          for (const p of m.packages) p.sha256 = "";
        }),
      });
      expect(malformed.code).not.toBe(0);
      for (const result of [missing, malformed]) expect(result.log).not.toContain("unzip");
    });

    it("takes the entry for the pinned version, not another version's zip of the same name", () => {
      const result = run({
        release: withManifest((m) => {
          for (const p of m.packages) p.download = `9.9.9/${p.download.split("/")[1]}`;
        }),
      });
      expect(result.code).not.toBe(0);
      expect(result.log).not.toContain("unzip");
    });

    it("pins the sha256 of the amd64 zip for the pinned version in the Dockerfile", () => {
      expect(version).toBe("2.13.0");
      expect(args.KIRO_CLI_SHA256_AMD64).toMatch(/^[0-9a-f]{64}$/);
    });

    it("refuses a zip that matches its manifest but not the Dockerfile's pin", () => {
      const result = run({ dockerfilePins: true });
      expect(result.code).not.toBe(0);
      expect(result.log).not.toContain("unzip");
      expect(result.installed).toEqual([]);
    });

    it("refuses to build for amd64 without a pin", () => {
      const result = run({ env: { KIRO_CLI_SHA256_AMD64: "" } });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("KIRO_CLI_SHA256_AMD64 is empty");
      expect(result.log).toEqual([]);
    });

    it("checks the zip against KIRO_CLI_SHA256_AMD64", () => {
      const zip = kiroRelease(version, zips).files["kirocli-x86_64-linux.zip"] ?? "";
      const wrong = run({ env: { KIRO_CLI_SHA256_AMD64: sha256("another zip") } });
      expect(wrong.code).not.toBe(0);
      expect(wrong.log).not.toContain("unzip");
      const right = run({ env: { KIRO_CLI_SHA256_AMD64: sha256(zip) } });
      expect(right.code, right.stderr).toBe(0);
    });

    it("takes the musl zip and KIRO_CLI_SHA256_ARM64 on arm64", () => {
      const zip = kiroRelease(version, zips).files["kirocli-aarch64-linux-musl.zip"] ?? "";
      const result = run({ env: { TARGETARCH: "arm64", KIRO_CLI_SHA256_ARM64: sha256(zip) } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.log[1]).toMatch(/\/kirocli-aarch64-linux-musl\.zip$/);
      const wrong = run({ env: { TARGETARCH: "arm64", KIRO_CLI_SHA256_ARM64: sha256("another zip") } });
      expect(wrong.code).not.toBe(0);
    });

    it("fails the build when a Kiro binary has an unresolved library", () => {
      const result = run({ lddLibraries: "\tlibasound.so.2 => not found" });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("unresolved shared library");
      expect(result.log.some((line) => line.startsWith("kiro-cli-chat"))).toBe(false);
    });

    it("fails the build when kiro-cli-chat --help does not run", () => {
      const result = run({ chatHelpExit: 127 });
      expect(result.code).not.toBe(0);
      expect(result.log).toContain("kiro-cli-chat --help");
    });
  });
});

describe("the .dockerignore matcher", () => {
  it("follows Docker's rules: last match wins, a directory takes its contents", () => {
    const rules = "*\n!package.json\n!src/\n!src/**\nsrc/**/*.test.ts\n";
    expect(isIgnored(rules, "package.json")).toBe(false);
    expect(isIgnored(rules, "package-lock.json")).toBe(true);
    expect(isIgnored(rules, "src/main.ts")).toBe(false);
    expect(isIgnored(rules, "src/a/b.test.ts")).toBe(true);
    expect(isIgnored("node_modules\n", "node_modules/x/index.js")).toBe(true);
    expect(isIgnored("# comment\n", "anything")).toBe(false);
  });
});
