/**
 * The two reads of a user's record collection that only grows (generations, generation error logs):
 * a page newest first by `(created_at, id)` on the `(user_id, created_at, id)` index, with a signed
 * cursor bound to the collection, and one record by id. One round trip each, through the session gate;
 * another user's id reads as 404.
 */
import { and } from "drizzle-orm";
import type { SelectResultFields } from "drizzle-orm/query-builders/select.types";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AuthedDeps } from "../lib/deps";
import { notFound } from "../lib/errors";
import { keyset } from "../lib/keyset";
import type { PageQuery, Pagination } from "../lib/params";
import { ofUser, ownedBy } from "./ownership";
import { authedBatch } from "./session-gate";

/** A user-owned table with an id and a creation instant. */
type Records = SQLiteTable & { id: SQLiteColumn; userId: SQLiteColumn; createdAt: SQLiteColumn };

/** What a collection reads: its table, the columns of a row, and the names its cursors and 404s use. */
export type NewestFirstSpec<TColumns> = {
  table: Records;
  /** The selected columns; must include `id` and `createdAt`. */
  columns: TColumns;
  /** What a cursor is bound to (a cursor of another collection is 400 `invalid_cursor`). */
  scope: string;
  /** The resource named by a 404 (`notFound(resource, id)`). */
  resource: string;
};

/** The list and get-one reads of a collection (see the module comment). */
export function newestFirst<TColumns extends Record<string, SQLiteColumn>>(spec: NewestFirstSpec<TColumns>) {
  type Row = SelectResultFields<TColumns>;
  const pages = keyset<Row>({
    scope: spec.scope,
    key: spec.table.createdAt,
    id: spec.table.id,
    order: "desc",
    keyOf: (row) => (row as unknown as { createdAt: number }).createdAt,
    idOf: (row) => (row as unknown as { id: string }).id,
  });
  // Selected untyped and cast back to `Row`: drizzle's builder types do not survive a generic selection.
  const columns: Record<string, SQLiteColumn> = spec.columns;
  const select = (deps: AuthedDeps) => deps.db.select(columns).from(spec.table);
  return {
    /**
     * A page of the caller's records, newest first.
     * @throws ApiError 400 `invalid_cursor` for a forged cursor or one of another collection.
     */
    async list(deps: AuthedDeps, query: PageQuery): Promise<{ page: Row[]; pagination: Pagination }> {
      const after = await pages.open(query.cursor, deps.config.jwtSecret);
      const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
        select(deps)
          .where(and(ofUser(spec.table, deps.auth.userId), pages.after(after)))
          .orderBy(...pages.orderBy)
          .limit(query.limit + 1),
      ]);
      return pages.page(rows as Row[], query.limit, deps.config.jwtSecret, after);
    },
    /**
     * One of the caller's records.
     * @throws ApiError 404 when it does not exist or is not the caller's.
     */
    async get(deps: AuthedDeps, id: string): Promise<Row> {
      const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
        select(deps).where(ownedBy(spec.table, id, deps.auth.userId)),
      ]);
      const row = (rows as Row[])[0];
      if (!row) throw notFound(spec.resource, id);
      return row;
    },
  };
}
