/**
 * The study queue: due cards first (most overdue first), then new cards up to the daily limit.
 * Shared by GET /study/queue and POST /study-sessions.
 */
import { and, asc, count, eq, gte, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { flashcards, reviewLogs } from "../db/schema";
import { authedBatch } from "../db/session-gate";
import type { AuthContext, Config } from "../env";
import { startOfUtcDay } from "../lib/days";
import { flashcardColumns, type FlashcardView } from "../routes/flashcards/flashcard-view";

export type QueueDeps = { db: Db; config: Config; now: number; auth: AuthContext };

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
    db.select(flashcardColumns).from(flashcards).where(isDue).orderBy(asc(flashcards.due), asc(flashcards.id)).limit(limit),
    db.select(flashcardColumns).from(flashcards).where(isNew).orderBy(asc(flashcards.createdAt), asc(flashcards.id)).limit(Math.min(limit, dailyNew)),
    db.select({ n: count() }).from(flashcards).where(isDue),
    db
      .select({ n: count() })
      .from(flashcards)
      .where(and(user, sql`${flashcards.state} IN (1, 3)`, lte(flashcards.due, now))),
    // Only up to the daily limit matters: counting stops there instead of walking every new card.
    db.select({ n: count() }).from(db.select({ one: sql`1` }).from(flashcards).where(isNew).limit(dailyNew).as("capped")),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, userId), gte(reviewLogs.reviewedAt, startOfUtcDay(now)), sql`${reviewLogs.state} = 0`)),
  ] as const;
}

/** Reads the queue in one round trip. */
export async function readStudyQueue(deps: QueueDeps, limit: number): Promise<StudyQueue> {
  const { db, auth, now, config } = deps;
  const dailyNew = config.study.newCardsPerDay;
  const [dueCards, newCards, [dueCount], [learningCount], [newCount], [introducedToday]] = await authedBatch(
    db,
    auth,
    now,
    buildQueueStatements(db, auth.userId, now, limit, dailyNew),
  );

  const newAllowed = Math.max(0, dailyNew - (introducedToday?.n ?? 0));
  const availableNew = Math.min(newCount?.n ?? 0, newAllowed);
  const room = Math.max(0, limit - dueCards.length);
  return {
    cards: [...dueCards, ...newCards.slice(0, Math.min(room, availableNew))],
    counts: { due: dueCount?.n ?? 0, new: availableNew, learning: learningCount?.n ?? 0 },
  };
}
