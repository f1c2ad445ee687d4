/**
 * The Account object's tables: the user's sessions, which one is active, the user's stored
 * secrets (encrypted, see src/secrets/store.ts) and running turns. Append a step to
 * change the schema; never edit a step that has shipped.
 */
export const ACCOUNT_SCHEMA: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     agent TEXT,
     working_directory TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // Sessions being set up (a clone can take minutes): they count against KIRO_MAX_SESSIONS.
  `CREATE TABLE pending_sessions (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)`,
  // The user's secrets: `sealed` is "<iv>.<ciphertext>" in base64, AES-GCM under the user's key.
  `CREATE TABLE secrets (
     name TEXT PRIMARY KEY,
     sealed TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
  // The user's running turns, for KIRO_MAX_RUNNING_TASKS (see running-tasks.ts).
  `CREATE TABLE running_tasks (
     task_id TEXT PRIMARY KEY,
     session_id TEXT NOT NULL,
     started_at INTEGER NOT NULL
   )`,
];
