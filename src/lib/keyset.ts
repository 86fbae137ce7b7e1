/**
 * Newest-first keyset paging on `(created_at, id)`, shared by collections that only list newest first
 * (generations, generation error logs). Cursors are signed (src/lib/cursor.ts) and bound to their
 * collection, so one collection's cursor is refused by another.
 */
import * as z from "zod";
import { decodeCursor, encodeCursor, invalidCursor } from "./cursor";
import type { Pagination } from "./paging";

const cursorSchema = z.strictObject({ k: z.string(), v: z.number().int(), id: z.string().max(64) });

export type KeysetPosition = { v: number; id: string };

/**
 * Opens a cursor of collection `kind`; undefined when none was given.
 * @throws ApiError 400 `invalid_cursor`.
 */
export async function readNewestFirstCursor(
  cursor: string | undefined,
  kind: string,
  secret: string,
): Promise<KeysetPosition | undefined> {
  if (!cursor) return undefined;
  const parsed = cursorSchema.safeParse(await decodeCursor(cursor, secret));
  if (!parsed.success || parsed.data.k !== kind) throw invalidCursor();
  return { v: parsed.data.v, id: parsed.data.id };
}

/** Cuts the `limit + 1` rows a query fetched into a page and its pagination. */
export async function toNewestFirstPage<T extends { createdAt: number; id: string }>(
  rows: T[],
  limit: number,
  kind: string,
  secret: string,
): Promise<{ page: T[]; pagination: Pagination }> {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  const nextCursor = hasMore && last ? await encodeCursor({ k: kind, v: last.createdAt, id: last.id }, secret) : null;
  return { page, pagination: { limit, next_cursor: nextCursor, has_more: hasMore } };
}
