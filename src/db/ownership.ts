/**
 * The ownership predicates. A foreign key proves existence, not ownership: every query on a user-owned
 * table is scoped by the caller with one of these, so another user's id reads as "not found" (404).
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A table with a text `id` and an owning `user_id`. */
type Owned = { id: SQLiteColumn; userId: SQLiteColumn };

/** Rows of `table` owned by `userId`. */
export const ofUser = (table: { userId: SQLiteColumn }, userId: string): SQL => eq(table.userId, userId);

/** The row `id` of `table`, only if `userId` owns it. */
export const ownedBy = (table: Owned, id: string, userId: string): SQL =>
  and(eq(table.id, id), eq(table.userId, userId)) as SQL;

/**
 * The owner check of a read driven by a list of ids (`id IN (…)`): `+user_id = ?`. The unary `+` keeps
 * the planner off the `(user_id, …)` indexes. Without planner statistics (a fresh D1 has none) SQLite
 * judges `user_id = ?` on an index cheaper than the list's primary-key lookups, then walks every row of
 * the user testing each against the list: a single review read 154,000 log rows at 100,000 cards, and a
 * feed page took 12× longer than at 1,000. With `+` the ids drive the read and the check still keeps
 * another user's rows out.
 */
export const ownerCheck = (table: { userId: SQLiteColumn }, userId: string): SQL => sql`+${table.userId} = ${userId}`;

/** The rows of `table` whose ids are in `idsJson` (a JSON array, one bound parameter) and that `userId` owns. */
export const ownedIn = (table: Owned, idsJson: string, userId: string): SQL =>
  sql`${table.id} IN (SELECT value FROM json_each(${idsJson})) AND ${ownerCheck(table, userId)}`;
