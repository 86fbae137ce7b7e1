/**
 * The one keyset-paging routine of every collection. A page is read with `limit + 1` rows sorted by
 * `(key, id)` through an index that ends with id; the extra row says whether there is more, and the last
 * row's `(key, id)` becomes a signed cursor (src/lib/cursor.ts). A cursor is bound to its `scope` (the
 * collection plus whatever fixes its ordering, e.g. `flashcards:due:asc` or `reviews:<card id>`), so a
 * cursor from another collection, sort, order or card is refused with 400 `invalid_cursor`.
 *
 * Usage (one round trip):
 *   const pages = keyset({ scope: "generations", key: generations.createdAt, id: generations.id,
 *                          order: "desc", keyOf: (row) => row.createdAt });
 *   const after = await pages.open(query.cursor, secret);
 *   rows = select … where(and(ofUser(…), pages.after(after))).orderBy(...pages.orderBy).limit(query.limit + 1)
 *   const { page, pagination } = await pages.page(rows, query.limit, secret, after);
 */
import { asc, desc, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import * as z from "zod";
import { decodeCursor, encodeCursor } from "./cursor";
import { invalidCursor } from "./errors";
import type { Pagination } from "./params";

/** Where a page starts: the sort key and id of the last row already seen. */
export type KeysetPosition = { v: number | string; id: string };

/** How one collection pages. */
export type KeysetSpec<Row> = {
  /** What a cursor is bound to: the collection and anything else that fixes the ordering or the rows. */
  scope: string;
  /** The indexed sort column (integer or text), e.g. `created_at` or a change sequence. */
  key: SQLiteColumn;
  /** The tie-breaker column (unique), last in the index. */
  id: SQLiteColumn;
  order: "asc" | "desc";
  /** The sort key of a fetched row. */
  keyOf: (row: Row) => number | string;
  /** The tie-breaker of a fetched row (default: `row.id`). */
  idOf?: (row: Row) => string;
  /** The `detail` when a valid cursor of another scope comes back (default: the generic one). */
  mismatch?: string;
  /**
   * Always return a cursor, even on the last or an empty page: a change feed resumes from it later.
   * On an empty page it is the position the page started from, or `start` when there was none.
   */
  always?: { start: KeysetPosition };
};

const payloadSchema = z.strictObject({
  k: z.string(),
  v: z.union([z.number().int(), z.string().max(256)]),
  id: z.string().max(64),
});

/** A collection's pager: cursor in, SQL seek and order, page and cursor out. See the module comment. */
export function keyset<Row>(spec: KeysetSpec<Row>) {
  const direction = spec.order === "asc" ? asc : desc;
  const idOf = spec.idOf ?? ((row: Row) => (row as { id: string }).id);
  const sign = (position: KeysetPosition, secret: string) =>
    encodeCursor({ k: spec.scope, v: position.v, id: position.id }, secret);
  return {
    /**
     * Opens a client's cursor; undefined when none was given.
     * @throws ApiError 400 `invalid_cursor` for a cursor not signed by us or of another scope.
     */
    async open(cursor: string | undefined, secret: string): Promise<KeysetPosition | undefined> {
      if (!cursor) return undefined;
      const parsed = payloadSchema.safeParse(await decodeCursor(cursor, secret));
      if (!parsed.success) throw invalidCursor();
      if (parsed.data.k !== spec.scope) throw invalidCursor(spec.mismatch);
      return { v: parsed.data.v, id: parsed.data.id };
    },
    /** The seek condition past `after` (a row-value comparison SQLite answers from the index), if any. */
    after(after: KeysetPosition | undefined): SQL | undefined {
      if (!after) return undefined;
      return spec.order === "asc"
        ? sql`(${spec.key}, ${spec.id}) > (${after.v}, ${after.id})`
        : sql`(${spec.key}, ${spec.id}) < (${after.v}, ${after.id})`;
    },
    /** ORDER BY key, id in the pager's direction. */
    orderBy: [direction(spec.key), direction(spec.id)] as const,
    /**
     * Cuts the `limit + 1` rows a query fetched into the page and its pagination. `resumeAt`: the rows
     * came from a bounded window of the collection ending there (a walking search); when they do not
     * fill the page, the page still has more, and the next one resumes after the window.
     */
    async page<T extends Row>(
      rows: T[],
      limit: number,
      secret: string,
      after?: KeysetPosition,
      resumeAt?: KeysetPosition,
    ): Promise<{ page: T[]; pagination: Pagination }> {
      const full = rows.length > limit;
      const hasMore = full || resumeAt !== undefined;
      const page = full ? rows.slice(0, limit) : rows;
      const last = page.at(-1);
      const position =
        !full && resumeAt ? resumeAt : last ? { v: spec.keyOf(last), id: idOf(last) } : (after ?? spec.always?.start);
      const nextCursor = position && (hasMore || spec.always) ? await sign(position, secret) : null;
      return { page, pagination: { limit, next_cursor: nextCursor, has_more: hasMore } };
    },
  };
}
