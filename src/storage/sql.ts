/**
 * The narrow SQL interface the stores take: a Durable Object's SQLite in production, anything
 * with the same four functions in a test.
 */
export type SqlValue = string | number | null;

export interface Sql {
  all<T>(query: string, ...bindings: SqlValue[]): T[];
  one<T>(query: string, ...bindings: SqlValue[]): T | undefined;
  run(query: string, ...bindings: SqlValue[]): number;
  /** Runs `fn` atomically: all of its writes land, or none do. */
  transaction<T>(fn: () => T): T;
}

export function durableSql(storage: DurableObjectStorage): Sql {
  const exec = (query: string, bindings: SqlValue[]) => storage.sql.exec(query, ...bindings);
  return {
    all: <T>(query: string, ...bindings: SqlValue[]) => exec(query, bindings).toArray() as T[],
    one: <T>(query: string, ...bindings: SqlValue[]) => exec(query, bindings).toArray()[0] as T | undefined,
    run: (query, ...bindings) => exec(query, bindings).rowsWritten,
    transaction: (fn) => storage.transactionSync(fn),
  };
}

/** Applies numbered schema steps once each, in order, recording progress in `_schema`. */
export function migrate(sql: Sql, steps: readonly string[]): void {
  sql.run("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)");
  const row = sql.one<{ version: number }>("SELECT version FROM _schema");
  const current = row?.version ?? 0;
  if (current >= steps.length) return;
  sql.transaction(() => {
    for (const step of steps.slice(current)) sql.run(step);
    if (row) sql.run("UPDATE _schema SET version = ?", steps.length);
    else sql.run("INSERT INTO _schema (version) VALUES (?)", steps.length);
  });
}
