/**
 * The study queue: due cards first (most overdue first), then new cards up to the daily limit.
 * Shared by GET /study/queue and POST /study-sessions.
 */
import { and, asc, count, eq, gte, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { type FlashcardView, flashcardColumns } from "../db/projections";
import { flashcards, reviewLogs } from "../db/schema";
import type { AuthedDeps } from "../lib/deps";
import { learnerDay } from "../lib/zoned-days";
import { dayClockOf, type StudySettings } from "./settings";
import { batchWithSettings } from "./user-settings";

/** The cards to study now (due first, then new) and the queue's counts. */
export type StudyQueue = {
  cards: FlashcardView[];
  counts: { due: number; new: number; learning: number };
};

/** What the queue depends on besides the user: the instant, the page size and the learner's limits. */
export type QueueParams = {
  now: number;
  limit: number;
  /** Start of the learner's current day (their zone and day start). */
  dayStart: number;
  newCardsPerDay: number;
  reviewsPerDay: number;
};

/** The queue's parameters for a learner's settings at `now`. */
export const queueParams = (settings: StudySettings, now: number, limit: number): QueueParams => ({
  now,
  limit,
  dayStart: learnerDay(now, dayClockOf(settings)).start,
  newCardsPerDay: settings.newCardsPerDay,
  reviewsPerDay: settings.reviewsPerDay,
});

/**
 * Cards the queue may offer at `now`: not suspended, not buried until later. `suspended = 0` is a
 * literal for the same reason the state filters are.
 */
export const offeredAt = (now: number) =>
  sql`${flashcards.suspended} = 0 AND (${flashcards.buriedUntil} IS NULL OR ${flashcards.buriedUntil} <= ${now})`;

/**
 * A new card rescheduled to a later date waits for it. The unary `+` keeps SQLite from choosing the
 * `(user_id, due)` index for new cards (every card is due since creation): the new-card index stays.
 */
const newCardDueBy = (now: number) => sql`+${flashcards.due} <= ${now}`;

/**
 * The queue's statements for one user at one instant (exported so a test can EXPLAIN them).
 * `state <> 0` and `state = 0` are SQL literals written exactly as in the partial indexes' WHERE
 * clauses: SQLite matches a partial index on the text, and a bound parameter would not match.
 */
export function buildQueueStatements(db: Db, userId: string, params: QueueParams) {
  const { now, limit, dayStart, newCardsPerDay } = params;
  const user = eq(flashcards.userId, userId);
  const offered = offeredAt(now);
  const isDue = and(user, sql`${flashcards.state} <> 0`, lte(flashcards.due, now), offered);
  const isNew = and(user, sql`${flashcards.state} = 0`, offered, newCardDueBy(now));
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
      .limit(Math.min(limit, newCardsPerDay)),
    db.select({ n: count() }).from(flashcards).where(isDue),
    db
      .select({ n: count() })
      .from(flashcards)
      .where(and(user, sql`${flashcards.state} IN (1, 3)`, lte(flashcards.due, now), offered)),
    // Only up to the daily limit matters: counting stops there instead of walking every new card.
    db
      .select({ n: count() })
      .from(db.select({ one: sql`1` }).from(flashcards).where(isNew).limit(newCardsPerDay).as("capped")),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, userId), gte(reviewLogs.reviewedAt, dayStart), sql`${reviewLogs.state} = 0`)),
    // Every review today; minus the first reviews above, the reviews counted against reviews_per_day.
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, userId), gte(reviewLogs.reviewedAt, dayStart))),
  ] as const;
}

/**
 * Reads the queue in one round trip (two after a settings change in another isolate). `alongside`
 * statements (e.g. the insert of a study session) are built for the same settings and run in the same
 * batch, after the reads; their results are returned as `extra`.
 */
export async function readStudyQueue(
  deps: AuthedDeps,
  limit: number,
  alongside: (params: QueueParams, settings: StudySettings) => BatchItem<"sqlite">[] = () => [],
): Promise<StudyQueue & { extra: unknown[]; settings: StudySettings }> {
  const { db, auth, now } = deps;
  const { settings, results } = await batchWithSettings(deps, (guess) => {
    const params = queueParams(guess, now, limit);
    return [...buildQueueStatements(db, auth.userId, params), ...alongside(params, guess)];
  });
  const [dueCards, newCards, [dueCount], [learningCount], [newCount], [introducedToday], [reviewedToday], ...extra] =
    results as unknown as [
      FlashcardView[],
      FlashcardView[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      ...unknown[],
    ];

  const introduced = introducedToday?.n ?? 0;
  const reviewsAllowed = Math.max(0, settings.reviewsPerDay - ((reviewedToday?.n ?? 0) - introduced));
  const offeredDue = dueCards.slice(0, reviewsAllowed);
  const newAllowed = Math.max(0, settings.newCardsPerDay - introduced);
  const availableNew = Math.min(newCount?.n ?? 0, newAllowed);
  const room = Math.max(0, limit - offeredDue.length);
  return {
    cards: [...offeredDue, ...newCards.slice(0, Math.min(room, availableNew))],
    counts: { due: dueCount?.n ?? 0, new: availableNew, learning: learningCount?.n ?? 0 },
    extra,
    settings,
  };
}

/**
 * The ids `readStudyQueue` puts in the queue, computed by SQLite itself as a JSON array, in the same
 * order (due first within today's review allowance, then new within the room left and today's new-card
 * allowance). A study session stores it in the same batch that reads the queue: one round trip instead
 * of read-then-insert.
 */
export function plannedCardIdsSql(userId: string, params: QueueParams) {
  const { now, limit, dayStart, newCardsPerDay, reviewsPerDay } = params;
  const introducedToday = sql`SELECT count(*) FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${userId} AND ${reviewLogs.reviewedAt} >= ${dayStart} AND ${reviewLogs.state} = 0`;
  const reviewedToday = sql`SELECT count(*) FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${userId} AND ${reviewLogs.reviewedAt} >= ${dayStart}`;
  const dueRoom = sql`max(0, min(${limit}, ${reviewsPerDay} - ((${reviewedToday}) - (${introducedToday}))))`;
  const offered = offeredAt(now);
  const dueIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${flashcards.userId} = ${userId} AND ${flashcards.state} <> 0 AND ${flashcards.due} <= ${now} AND ${offered} ORDER BY ${flashcards.due}, ${flashcards.id} LIMIT ${dueRoom}`;
  const newRoom = sql`max(0, min(${limit} - (SELECT count(*) FROM (${dueIds})), ${newCardsPerDay} - (${introducedToday})))`;
  const newIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${flashcards.userId} = ${userId} AND ${flashcards.state} = 0 AND ${offered} AND ${newCardDueBy(now)} ORDER BY ${flashcards.createdAt}, ${flashcards.id} LIMIT ${newRoom}`;
  return sql<string>`(SELECT json_group_array(id) FROM (SELECT id FROM (${dueIds}) UNION ALL SELECT id FROM (${newIds})))`;
}
