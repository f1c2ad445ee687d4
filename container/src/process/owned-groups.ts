/**
 * The process groups a runner started, written down so that nothing it started outlives it.
 *
 * kiro-cli (and git) run as leaders of their own process groups, detached from the runner, so a
 * runner that dies without stopping them (SIGKILL, out of memory, a crash) leaves them running.
 * Each runner therefore keeps a ledger, `<KIRO_RUNNER_STATE_DIR>/process-groups/<boot id>.json`:
 * which runner it is (pid and start time) and the groups it leads now (leader pid and start
 * time). A runner starting up — and `npm run dev` when its runner exits — reaps the groups of
 * ledgers whose runner is dead: it kills a group when its leader is still the process that was
 * started, or when a member carries the dead runner's mark (KIRO_RUNNER_OWNER in its environment,
 * inherited by everything the runner starts), so a group id the kernel has since reused for
 * someone else's processes is never touched. Ledgers from an earlier boot of the machine are
 * simply dropped. Processes that leave their group (setsid) are not tracked; in a container,
 * tini and the container's end take care of everything.
 *
 * One ledger per runner process: `ownedGroups` is that process's, inert until `record` is called
 * (so code that spawns in tests without a runner records nothing).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { errnoCode } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { signalGroup } from "./group.ts";
import { allProcStats, hasEnvEntry, machineBootId, readProcStat } from "./proc.ts";

/** The environment variable that marks every process a runner starts with that runner's boot id. */
export const OWNER_ENV = "KIRO_RUNNER_OWNER";

interface Ledger {
  runner: { pid: number; start: string };
  machine_boot: string | undefined;
  /** The value of OWNER_ENV in the runner's children. */
  owner: string;
  groups: { pgid: number; start: string }[];
}

class OwnedGroups {
  #file: string | undefined;
  #ledger: Ledger | undefined;

  /**
   * Reaps what dead runners left in `stateDir`, then records this runner's groups there from now
   * on, marking its children's environment with `owner`. Returns how many groups were reaped.
   */
  record(stateDir: string, owner: string, logger: Logger): number {
    const dir = ledgerDir(stateDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const reaped = reapLeftovers(stateDir, logger);
    const self = readProcStat(process.pid);
    this.#ledger = {
      runner: { pid: process.pid, start: self?.start ?? "" },
      machine_boot: machineBootId(),
      owner,
      groups: [],
    };
    this.#file = path.join(dir, `${owner}.json`);
    process.env[OWNER_ENV] = owner;
    this.#write();
    process.once("exit", () => this.#release());
    return reaped;
  }

  /** A group this runner now leads (its leader just spawned). */
  add(pgid: number): void {
    if (this.#ledger === undefined) return;
    this.#ledger.groups.push({ pgid, start: readProcStat(pgid)?.start ?? "" });
    this.#write();
  }

  /** The group is gone. */
  remove(pgid: number): void {
    if (this.#ledger === undefined) return;
    this.#ledger.groups = this.#ledger.groups.filter((group) => group.pgid !== pgid);
    this.#write();
  }

  /** The runner exits: whatever it still leads goes with it, then its ledger. */
  #release(): void {
    for (const group of this.#ledger?.groups ?? []) killGroup(group.pgid);
    if (this.#file !== undefined) rmSync(this.#file, { force: true });
  }

  #write(): void {
    if (this.#file === undefined) return;
    // Written whole and renamed, so a runner killed mid-write leaves the previous ledger intact.
    writeFileSync(`${this.#file}.tmp`, JSON.stringify(this.#ledger), { mode: 0o600 });
    renameSync(`${this.#file}.tmp`, this.#file);
  }
}

export const ownedGroups = new OwnedGroups();

/**
 * Kills the groups left by runners of `stateDir` that are no longer alive and removes their
 * ledgers; ledgers of live runners are left alone. Returns how many groups were killed.
 */
export function reapLeftovers(stateDir: string, logger?: Logger): number {
  const dir = ledgerDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return 0;
    throw error;
  }
  let reaped = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const ledger = readLedger(file);
    if (ledger !== undefined && runnerAlive(ledger)) continue;
    if (ledger !== undefined && ledger.machine_boot === machineBootId()) {
      for (const group of ledger.groups) {
        if (!owned(group, ledger.owner) || !killGroup(group.pgid)) continue;
        reaped += 1;
        logger?.warn("reaped_leftover_group", { pgid: group.pgid, owner: ledger.owner });
      }
    }
    rmSync(file, { force: true });
  }
  return reaped;
}

/** SIGKILL to the group; false when it is gone or not ours to signal (EPERM). */
function killGroup(pgid: number): boolean {
  try {
    return signalGroup(pgid, "SIGKILL");
  } catch {
    return false;
  }
}

function ledgerDir(stateDir: string): string {
  return path.join(stateDir, "process-groups");
}

function readLedger(file: string): Ledger | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Ledger;
  } catch {
    return undefined; // unreadable or half-written by an older runner: nothing to go on
  }
}

function runnerAlive(ledger: Ledger): boolean {
  const stat = readProcStat(ledger.runner.pid);
  return stat !== undefined && stat.start === ledger.runner.start && stat.state !== "Z";
}

/** The group is still the one the runner started: its leader is, or a member bears the mark. */
function owned(group: { pgid: number; start: string }, owner: string): boolean {
  const leader = readProcStat(group.pgid);
  if (leader !== undefined && leader.start === group.start && leader.state !== "Z") return true;
  const members = allProcStats()?.filter((stat) => stat.pgid === group.pgid && stat.state !== "Z") ?? [];
  return members.some((member) => hasEnvEntry(member.pid, `${OWNER_ENV}=${owner}`));
}
