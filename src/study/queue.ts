/**
 * The study queue: due cards first (most overdue first), then new cards up to the daily limit.
 * Shared by GET /study/queue and POST /study-sessions.
 */
import { and, asc, count, eq, gte, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { type FlashcardView, flashcardColumns } from "../db/projections";
import { flashcards, reviewLogs } from "../db/schema";
import { authedBatch } from "../db/session-gate";
import { startOfUtcDay } from "../lib/days";
import type { AuthedDeps } from "../lib/deps";

/** The cards to study now (due first, then new) and the queue's counts. */
export type StudyQueue = {
  cards: FlashcardView[];
  counts: { due: number; new: number; learning: number };
};

/**
 * The queue's statements for one user at one instant (exported so a test can EXPLAIN them).
 * `state <> 0` and `state = 0` are SQL literals written exactly as in the partial indexes' WHERE
 * clauses: SQLite matches a partial index on the text, and a bound parameter would not match.
 */
export function buildQueueStatements(db: Db, userId: string, now: number, limit: number, dailyNew: number) {
  const user = eq(flashcards.userId, userId);
  const isDue = and(user, sql`${flashcards.state} <> 0`, lte(flashcards.due, now));
  const isNew = and(user, sql`${flashcards.state} = 0`);
  return [
    db
      .select(flashcardColumns)
      .from(flashcards)
      .where(isDue)
      .orderBy(asc(flashcards.due), asc(flashcards.id))
      .limit(limit),
    db
      .select(flashcardColumns)
      .from(flashcards)
      .where(isNew)
      .orderBy(asc(flashcards.createdAt), asc(flashcards.id))
      .limit(Math.min(limit, dailyNew)),
    db.select({ n: count() }).from(flashcards).where(isDue),
    db
      .select({ n: count() })
      .from(flashcards)
      .where(and(user, sql`${flashcards.state} IN (1, 3)`, lte(flashcards.due, now))),
    // Only up to the daily limit matters: counting stops there instead of walking every new card.
    db
      .select({ n: count() })
      .from(db.select({ one: sql`1` }).from(flashcards).where(isNew).limit(dailyNew).as("capped")),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(
        and(
          eq(reviewLogs.userId, userId),
          gte(reviewLogs.reviewedAt, startOfUtcDay(now)),
          sql`${reviewLogs.state} = 0`,
        ),
      ),
  ] as const;
}

/**
 * Reads the queue in one round trip. `alongside` statements (e.g. the insert of a study session)
 * run in the same batch, after the reads; their results are returned as `extra`.
 */
export async function readStudyQueue(
  deps: AuthedDeps,
  limit: number,
  alongside: BatchItem<"sqlite">[] = [],
): Promise<StudyQueue & { extra: unknown[] }> {
  const { db, auth, now, config } = deps;
  const dailyNew = config.study.newCardsPerDay;
  const results = await authedBatch(db, auth, now, [
    ...buildQueueStatements(db, auth.userId, now, limit, dailyNew),
    ...alongside,
  ]);
  const [dueCards, newCards, [dueCount], [learningCount], [newCount], [introducedToday], ...extra] =
    results as unknown as [
      FlashcardView[],
      FlashcardView[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      ...unknown[],
    ];

  const newAllowed = Math.max(0, dailyNew - (introducedToday?.n ?? 0));
  const availableNew = Math.min(newCount?.n ?? 0, newAllowed);
  const room = Math.max(0, limit - dueCards.length);
  return {
    cards: [...dueCards, ...newCards.slice(0, Math.min(room, availableNew))],
    counts: { due: dueCount?.n ?? 0, new: availableNew, learning: learningCount?.n ?? 0 },
    extra,
  };
}

/**
 * The ids `readStudyQueue` puts in the queue, computed by SQLite itself as a JSON array, in the same
 * order (due first, then new within the room left and today's allowance). A study session stores it in
 * the same batch that reads the queue: one round trip instead of read-then-insert.
 */
export function plannedCardIdsSql(userId: string, now: number, limit: number, dailyNew: number) {
  const dueIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${flashcards.userId} = ${userId} AND ${flashcards.state} <> 0 AND ${flashcards.due} <= ${now} ORDER BY ${flashcards.due}, ${flashcards.id} LIMIT ${limit}`;
  const introducedToday = sql`SELECT count(*) FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${userId} AND ${reviewLogs.reviewedAt} >= ${startOfUtcDay(now)} AND ${reviewLogs.state} = 0`;
  const newRoom = sql`max(0, min(${limit} - (SELECT count(*) FROM (${dueIds})), ${dailyNew} - (${introducedToday})))`;
  const newIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${flashcards.userId} = ${userId} AND ${flashcards.state} = 0 ORDER BY ${flashcards.createdAt}, ${flashcards.id} LIMIT ${newRoom}`;
  return sql<string>`(SELECT json_group_array(id) FROM (SELECT id FROM (${dueIds}) UNION ALL SELECT id FROM (${newIds})))`;
}
