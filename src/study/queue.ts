/**
 * The study queue: due cards first (most overdue first), then new cards up to the daily limit.
 * Shared by GET /study/queue and POST /study-sessions.
 */
import { and, asc, count, eq, gte, inArray, lte, ne, sql } from "drizzle-orm";
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
 * Reads the queue in one round trip. `state <> 0` and `state = 0` are written exactly as in the
 * partial indexes' WHERE clauses, so SQLite can use them.
 */
export async function readStudyQueue(deps: QueueDeps, limit: number): Promise<StudyQueue> {
  const { db, auth, now, config } = deps;
  const user = eq(flashcards.userId, auth.userId);
  const isDue = and(user, ne(flashcards.state, 0), lte(flashcards.due, now));
  const isNew = and(user, eq(flashcards.state, 0));
  const dailyNew = config.study.newCardsPerDay;

  const [dueCards, newCards, [dueCount], [learningCount], [newCount], [introducedToday]] = await authedBatch(db, auth, now, [
    db.select(flashcardColumns).from(flashcards).where(isDue).orderBy(asc(flashcards.due), asc(flashcards.id)).limit(limit),
    db.select(flashcardColumns).from(flashcards).where(isNew).orderBy(asc(flashcards.createdAt), asc(flashcards.id)).limit(Math.min(limit, dailyNew)),
    db.select({ n: count() }).from(flashcards).where(isDue),
    db.select({ n: count() }).from(flashcards).where(and(isDue, inArray(flashcards.state, [1, 3]))),
    // Only up to the daily limit matters: counting stops there instead of walking every new card.
    db.select({ n: count() }).from(db.select({ one: sql`1` }).from(flashcards).where(isNew).limit(dailyNew).as("capped")),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, auth.userId), gte(reviewLogs.reviewedAt, startOfUtcDay(now)), eq(reviewLogs.state, 0))),
  ]);

  const newAllowed = Math.max(0, dailyNew - (introducedToday?.n ?? 0));
  const availableNew = Math.min(newCount?.n ?? 0, newAllowed);
  const room = Math.max(0, limit - dueCards.length);
  return {
    cards: [...dueCards, ...newCards.slice(0, Math.min(room, availableNew))],
    counts: { due: dueCount?.n ?? 0, new: availableNew, learning: learningCount?.n ?? 0 },
  };
}
