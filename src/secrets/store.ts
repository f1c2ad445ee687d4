/**
 * A user's stored secrets, in their Account object's SQLite: AES-256-GCM under the user's own key
 * (keys.ts), a fresh 96-bit IV per write, and the user id and secret name as additional data, so
 * a value copied to another row or another user's table does not decrypt. Values go in and come
 * back out only through here; listing shows names and dates, never values.
 */
import { ErrorCode, KiroError } from "../errors.ts";
import type { Sql } from "../storage/sql.ts";
import { userSecretsKey } from "./keys.ts";
import {
  isSecretName,
  SECRET_NAMES,
  type SecretName,
  secretValueProblem,
  setSecretCommand,
} from "./names.ts";

/** A stored secret as listed: never its value. */
export interface SecretInfo {
  name: SecretName;
  created_at: number;
  updated_at: number;
}

export type SecretValues = Partial<Record<SecretName, string>>;

const IV_BYTES = 12;
const encoder = new TextEncoder();

export class UserSecrets {
  readonly #sql: Sql;
  readonly #master: string | undefined;

  /** `master`: KIRO_SECRETS_KEY (undefined when unset: nothing can be stored or read). */
  constructor(sql: Sql, master: string | undefined) {
    this.#sql = sql;
    this.#master = master;
  }

  async put(userId: string, name: string, value: string): Promise<SecretInfo> {
    if (!isSecretName(name)) {
      throw new KiroError(
        ErrorCode.InvalidInput,
        `Unknown secret ${JSON.stringify(name.slice(0, 64))}: the secrets you can store are ${SECRET_NAMES.join(", ")}.`,
      );
    }
    const problem = secretValueProblem(value);
    if (problem) throw new KiroError(ErrorCode.InvalidInput, `Cannot store ${name}: ${problem}.`);
    const sealed = await seal(await this.#key(userId), additionalData(userId, name), value);
    const now = Date.now();
    this.#sql.run(
      `INSERT INTO secrets (name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      name,
      sealed,
      now,
      now,
    );
    return this.#info(name) ?? { name, created_at: now, updated_at: now };
  }

  list(): SecretInfo[] {
    return this.#sql.all<SecretInfo>("SELECT name, created_at, updated_at FROM secrets ORDER BY name");
  }

  /** True when `name` was stored. */
  delete(name: string): boolean {
    return this.#sql.run("DELETE FROM secrets WHERE name = ?", name) > 0;
  }

  /** Every stored value, decrypted. */
  async read(userId: string): Promise<SecretValues> {
    const rows = this.#sql.all<{ name: string; sealed: string }>("SELECT name, sealed FROM secrets");
    const values: SecretValues = {};
    for (const row of rows) {
      if (!isSecretName(row.name)) continue;
      values[row.name] = await this.#open(userId, row.name, row.sealed);
    }
    return values;
  }

  async #open(userId: string, name: SecretName, sealed: string): Promise<string> {
    const key = await this.#key(userId);
    try {
      return await open(key, additionalData(userId, name), sealed);
    } catch {
      // Wrong key (KIRO_SECRETS_KEY changed) or a damaged row: either way the value is lost.
      throw new KiroError(
        ErrorCode.SecretsUnavailable,
        `Your stored ${name} cannot be decrypted (the server's KIRO_SECRETS_KEY changed since you stored it). Store it again: ${setSecretCommand(name)}.`,
      );
    }
  }

  #info(name: SecretName): SecretInfo | undefined {
    return this.#sql.one<SecretInfo>("SELECT name, created_at, updated_at FROM secrets WHERE name = ?", name);
  }

  async #key(userId: string): Promise<CryptoKey> {
    if (this.#master === undefined) {
      throw new KiroError(
        ErrorCode.SecretsUnavailable,
        "This server cannot store secrets: its operator has not set KIRO_SECRETS_KEY (at least 32 characters, e.g. `openssl rand -hex 32 | npx wrangler secret put KIRO_SECRETS_KEY`).",
      );
    }
    return userSecretsKey(this.#master, userId);
  }
}

function additionalData(userId: string, name: SecretName): Uint8Array {
  return encoder.encode(`${userId}\n${name}`);
}

/** "<iv base64>.<ciphertext base64>" */
async function seal(key: CryptoKey, data: Uint8Array, value: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: data },
    key,
    encoder.encode(value),
  );
  return `${toBase64(iv)}.${toBase64(new Uint8Array(ciphertext))}`;
}

async function open(key: CryptoKey, data: Uint8Array, sealed: string): Promise<string> {
  const [iv = "", ciphertext = ""] = sealed.split(".");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: data },
    key,
    fromBase64(ciphertext),
  );
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plain);
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
