/**
 * The narrow SQL interface the stores take: a Durable Object's SQLite in production, anything
 * with the same five functions in a test.
 */
export type SqlValue = string | number | null;

export interface Sql {
  all<T>(query: string, ...bindings: SqlValue[]): T[];
  one<T>(query: string, ...bindings: SqlValue[]): T | undefined;
  /** Rows one at a time, read as they are taken: stopping early reads no more of them. */
  iterate<T>(query: string, ...bindings: SqlValue[]): Iterable<T>;
  run(query: string, ...bindings: SqlValue[]): number;
  /** Runs `fn` atomically: all of its writes land, or none do. */
  transaction<T>(fn: () => T): T;
}

export function durableSql(storage: DurableObjectStorage): Sql {
  const exec = (query: string, bindings: SqlValue[]) => storage.sql.exec(query, ...bindings);
  return {
    all: <T>(query: string, ...bindings: SqlValue[]) => exec(query, bindings).toArray() as T[],
    one: <T>(query: string, ...bindings: SqlValue[]) => exec(query, bindings).toArray()[0] as T | undefined,
    iterate: <T>(query: string, ...bindings: SqlValue[]) => exec(query, bindings) as Iterable<T>,
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

/**
 * SQL whose tables exist only once `create()` made them. Until then every read answers as the
 * empty tables would and every write is refused, and nothing at all is written: an object that is
 * only ever asked about (an unknown or foreign id routed to it by name) keeps no storage. After
 * `forget()` (the object deleted its storage) it is empty again.
 */
export class LazySchemaSql implements Sql {
  readonly #inner: Sql;
  readonly #steps: readonly string[];
  #created: boolean;

  constructor(inner: Sql, steps: readonly string[]) {
    this.#inner = inner;
    this.#steps = steps;
    this.#created =
      inner.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'") !== undefined;
    if (this.#created) migrate(inner, steps);
  }

  get created(): boolean {
    return this.#created;
  }

  /** Makes (or completes) the tables. */
  create(): void {
    migrate(this.#inner, this.#steps);
    this.#created = true;
  }

  /** The storage under this object was deleted: back to no tables. */
  forget(): void {
    this.#created = false;
  }

  all<T>(query: string, ...bindings: SqlValue[]): T[] {
    return this.#created ? this.#inner.all<T>(query, ...bindings) : [];
  }

  one<T>(query: string, ...bindings: SqlValue[]): T | undefined {
    return this.#created ? this.#inner.one<T>(query, ...bindings) : undefined;
  }

  iterate<T>(query: string, ...bindings: SqlValue[]): Iterable<T> {
    return this.#created ? this.#inner.iterate<T>(query, ...bindings) : [];
  }

  run(query: string, ...bindings: SqlValue[]): number {
    if (!this.#created) throw new Error("write to an object whose tables were never created");
    return this.#inner.run(query, ...bindings);
  }

  transaction<T>(fn: () => T): T {
    return this.#created ? this.#inner.transaction(fn) : fn();
  }
}
