/**
 * The ownership predicates. A foreign key proves existence, not ownership: every query on a user-owned
 * table is scoped by the caller with one of these, so another user's id reads as "not found" (404).
 */
import { and, eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A table with a text `id` and an owning `user_id`. */
type Owned = { id: SQLiteColumn; userId: SQLiteColumn };

/** Rows of `table` owned by `userId`. */
export const ofUser = (table: { userId: SQLiteColumn }, userId: string): SQL => eq(table.userId, userId);

/** The row `id` of `table`, only if `userId` owns it. */
export const ownedBy = (table: Owned, id: string, userId: string): SQL =>
  and(eq(table.id, id), eq(table.userId, userId)) as SQL;
