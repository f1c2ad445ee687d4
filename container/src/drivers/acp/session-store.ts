/**
 * Which ACP session each Kiro session (session_key) continues: a small JSON file in the runner's
 * state directory (KIRO_RUNNER_STATE_DIR, default $KIRO_HOME/runner-state), so a restarted runner
 * can still `session/load` a conversation kiro-cli saved. Written atomically (temp file, then
 * rename); bounded to MAX_ENTRIES, the least recently used dropped first. An unreadable file is
 * logged and treated as empty: the next turns start new conversations, nothing fails.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { errnoCode } from "../../errors.ts";
import type { Logger } from "../../logger.ts";

const FILE_NAME = "acp-sessions.json";
/** More keys than one runner serves in its life; keeps the file small. */
const MAX_ENTRIES = 1000;

interface Entry {
  sessionId: string;
  updatedAt: number;
}

export class SessionStore {
  readonly #file: string;
  readonly #logger: Logger;
  readonly #entries: Map<string, Entry>;

  constructor(stateDir: string, logger: Logger) {
    this.#file = path.join(stateDir, FILE_NAME);
    this.#logger = logger;
    this.#entries = this.#load();
  }

  get(key: string): string | undefined {
    return this.#entries.get(key)?.sessionId;
  }

  set(key: string, sessionId: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { sessionId, updatedAt: Date.now() });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= MAX_ENTRIES) break;
      this.#entries.delete(oldest);
    }
    this.#save();
  }

  delete(key: string): void {
    if (this.#entries.delete(key)) this.#save();
  }

  #load(): Map<string, Entry> {
    let text: string;
    try {
      text = readFileSync(this.#file, "utf8");
    } catch (error) {
      if (errnoCode(error) !== "ENOENT")
        this.#logger.warn("session_store_unreadable", { code: errnoCode(error) ?? "unknown" });
      return new Map();
    }
    try {
      const parsed = JSON.parse(text) as Record<string, Entry>;
      const valid = Object.entries(parsed).filter(
        ([, entry]) => typeof entry?.sessionId === "string" && typeof entry.updatedAt === "number",
      );
      return new Map(valid.sort(([, a], [, b]) => a.updatedAt - b.updatedAt));
    } catch {
      // A torn or hand-edited file: start over rather than refuse to run.
      this.#logger.warn("session_store_invalid", { file: this.#file });
      return new Map();
    }
  }

  #save(): void {
    try {
      mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
      const temp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(Object.fromEntries(this.#entries)), { mode: 0o600 });
      renameSync(temp, this.#file);
    } catch (error) {
      // Losing the mapping only costs resuming after a restart; the turn itself goes on.
      this.#logger.error("session_store_write_failed", { code: errnoCode(error) ?? "unknown" });
    }
  }
}
