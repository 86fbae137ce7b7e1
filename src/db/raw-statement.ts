/**
 * Hand-written SQL as a batch item. drizzle's `db.run(sql)` cannot go into `db.batch()` when it has
 * parameters (drizzle 0.45's D1 batch expects a prepared statement a raw query does not have), and the
 * imports need `INSERT … SELECT … FROM json_each(?)` statements drizzle's builders cannot express.
 */
import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

const dialect = new SQLiteAsyncDialect();

/** A statement for `db.batch` / `authedBatch`; its result is D1's raw result (`meta`, `results`). */
export function rawStatement(db: Db, query: SQL): BatchItem<"sqlite"> {
  const built = dialect.sqlToQuery(query);
  const stmt = db.$client.prepare(built.sql);
  const prepared = { getQuery: () => built, stmt, mapResult: (result: unknown) => result };
  return { _prepare: () => prepared } as unknown as BatchItem<"sqlite">;
}

/** A batch item whose result is the statement's rows, keyed by SQL column name. */
export type RawRows<T> = BatchItem<"sqlite"> & { readonly __rows?: T[] };

/**
 * Like `rawStatement`, but its result in the batch is the statement's rows (objects with SQL column names).
 * `inBatchOrder` prepares the statement when the batch prepares its items, as drizzle's own items are, so
 * bench/round-trips.test.ts records it at its place in the batch (the default prepares it at once).
 */
export function rawAll<T = Record<string, unknown>>(db: Db, query: SQL, inBatchOrder = false): RawRows<T> {
  const built = dialect.sqlToQuery(query);
  const prepare = () => ({
    getQuery: () => ({ ...built, method: "all" }),
    stmt: db.$client.prepare(built.sql),
    mapResult: (result: { results?: unknown[] }) => result.results ?? [],
  });
  const prepared = inBatchOrder ? undefined : prepare();
  return { _prepare: () => prepared ?? prepare() } as unknown as RawRows<T>;
}
