/**
 * The per-user generation quota, held under concurrency. An attempt is reserved in D1 *before* the
 * provider is called, by one conditional INSERT whose WHERE counts the attempts that still count:
 * SQLite runs it as one write, so the (N+1)th of N+1 simultaneous requests finds N rows and inserts
 * nothing. Reading a count first and writing the row after the provider (seconds later) let 30
 * parallel requests through a quota of 20.
 *
 * An attempt counts for an hour from its start, unless it is an unfinished reservation whose lease
 * (`expires_at`) has passed: the request died without recording an outcome, so it stops counting.
 */
import { and, eq, isNotNull, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import { generationAttempts, users } from "./schema";

/** The quota window. */
export const QUOTA_WINDOW_MS = 3_600_000;

/** SQL: the attempt still counts against the quota at `now`. */
const stillCounts = (now: number) =>
  sql`${generationAttempts.createdAt} > ${now - QUOTA_WINDOW_MS} AND (${generationAttempts.expiresAt} IS NULL OR ${generationAttempts.expiresAt} > ${now})`;

/**
 * INSERT … SELECT that reserves attempt `id` only while the user has fewer than `limit` counting
 * attempts. Returns the id when reserved, nothing when the quota is used up.
 */
export function reserveAttempt(
  db: Db,
  input: { id: string; userId: string; now: number; leaseMs: number; limit: number },
) {
  const { id, userId, now, leaseMs, limit } = input;
  return db
    .insert(generationAttempts)
    .select(
      db
        .select({
          id: sql<string>`${id}`.as("id"),
          userId: users.id,
          createdAt: sql<number>`${now}`.as("created_at"),
          expiresAt: sql<number>`${now + leaseMs}`.as("expires_at"),
        })
        .from(users)
        .where(
          and(
            eq(users.id, userId),
            sql`(SELECT count(*) FROM ${generationAttempts} WHERE ${generationAttempts.userId} = ${userId} AND ${stillCounts(now)}) < ${limit}`,
          ),
        ),
    )
    .returning({ id: generationAttempts.id });
}

/**
 * When the earliest counting attempt leaves the window (epoch ms): what `Retry-After` is computed
 * from. A running reservation is taken to succeed (it almost always does), so the answer is an hour
 * after its start, not the end of its lease. Null when nothing counts.
 */
export function nextFreeSlot(db: Db, userId: string, now: number) {
  return db
    .select({ at: sql<number | null>`min(${generationAttempts.createdAt}) + ${QUOTA_WINDOW_MS}` })
    .from(generationAttempts)
    .where(and(eq(generationAttempts.userId, userId), stillCounts(now)));
}

/** Records that the attempt ran to an outcome: it counts for the whole hour, its lease no longer matters. */
export const finaliseAttempt = (db: Db, userId: string, id: string) =>
  db
    .update(generationAttempts)
    .set({ expiresAt: null })
    .where(and(eq(generationAttempts.id, id), eq(generationAttempts.userId, userId)));

/**
 * Gives a reservation back (no provider call happened, or its outcome could not be recorded). Only an
 * unfinished one: if the outcome was committed and only the answer got lost, the attempt stays counted.
 */
export const releaseAttempt = (db: Db, userId: string, id: string) =>
  db
    .delete(generationAttempts)
    .where(
      and(
        eq(generationAttempts.id, id),
        eq(generationAttempts.userId, userId),
        isNotNull(generationAttempts.expiresAt),
      ),
    );

/** Housekeeping on the user's index prefix: attempts that left the window. */
export const pruneAttempts = (db: Db, userId: string, now: number) =>
  db
    .delete(generationAttempts)
    .where(and(eq(generationAttempts.userId, userId), lte(generationAttempts.createdAt, now - QUOTA_WINDOW_MS)));
