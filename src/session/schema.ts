/**
 * The KiroSession object's tables. Append a step to change the schema; never edit a step that
 * has shipped.
 *
 * - meta:         the session's settings (one row per key).
 * - tasks:        one row per turn; `last_seq` is the last runner event stored, so ingest can
 *                 resume exactly where it stopped; `truncated` is set once the output reached the
 *                 task's cap.
 * - chunks:       the output, `idx` contiguous from 0 per task; each row's content is bounded;
 *                 `data` holds the structured payload of ACP updates (JSON).
 * - conversation: the user's messages and Kiro's final answers, newest last.
 * - expired_tasks: ids of tasks swept after their TTL, so asking for one says "expired".
 * - tasks.origin: the tool that started the task as an MCP Tasks extension task (null otherwise),
 *                 so the task's final result has that tool's shape.
 * - permission_prompts: Kiro's permission requests handed to a client (KIRO_TRUST=ask), by the
 *                 key the runner gave them: waiting, answered (sent to the runner) or settled.
 * - tasks.kind:   `turn` (a Kiro turn, part of the conversation) or `setup` (the clone a session
 *                 started from a repository is set up by; not part of the conversation).
 */
export const SESSION_SCHEMA: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     preview TEXT NOT NULL,
     message_bytes INTEGER NOT NULL,
     run_id TEXT NOT NULL,
     boot_id TEXT,
     last_seq INTEGER NOT NULL DEFAULT 0,
     chunk_count INTEGER NOT NULL DEFAULT 0,
     total_bytes INTEGER NOT NULL DEFAULT 0,
     exit_code INTEGER,
     reason TEXT,
     error TEXT,
     metadata TEXT,
     created_at INTEGER NOT NULL,
     ended_at INTEGER
   )`,
  `CREATE INDEX tasks_by_status ON tasks (status, created_at)`,
  `CREATE TABLE chunks (
     task_id TEXT NOT NULL,
     idx INTEGER NOT NULL,
     kind TEXT NOT NULL,
     content TEXT NOT NULL,
     data TEXT,
     bytes INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (task_id, idx)
   ) WITHOUT ROWID`,
  `CREATE TABLE conversation (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     task_id TEXT NOT NULL,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  `CREATE INDEX tasks_by_end ON tasks (ended_at)`,
  `CREATE TABLE expired_tasks (id TEXT PRIMARY KEY, expired_at INTEGER NOT NULL)`,
  `ALTER TABLE tasks ADD COLUMN origin TEXT`,
  `ALTER TABLE tasks ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0`,
  `CREATE TABLE permission_prompts (
     task_id TEXT NOT NULL,
     key TEXT NOT NULL,
     request TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (task_id, key)
   ) WITHOUT ROWID`,
  `ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'turn'`,
];
