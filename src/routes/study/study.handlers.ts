/**
 * The study queue and learning statistics.
 */
import { and, count, desc, eq, gte, lt, sql, sum } from "drizzle-orm";
import type * as z from "zod";
import { flashcards, reviewLogs } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { DAY_MS, startOfUtcDay } from "../../lib/days";
import type { AuthedDeps } from "../../lib/deps";
import { readStudyQueue } from "../../study/queue";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import type { queueSchema, statsSchema } from "./study.schemas";

/** The queue as JSON: cards to study now and the counts. One round trip. */
export async function getStudyQueue(deps: AuthedDeps, limit: number): Promise<z.infer<typeof queueSchema>> {
  const queue = await readStudyQueue(deps, limit);
  return { data: queue.cards.map(toFlashcardJson), counts: queue.counts };
}

const STREAK_WINDOW_DAYS = 366;

/** Consecutive UTC days with reviews, ending today or yesterday; `days` are day numbers, newest first. */
export function streakFrom(days: number[], today: number): number {
  let expected = days[0] === today ? today : today - 1;
  let streak = 0;
  for (const day of days) {
    if (day !== expected) break;
    streak++;
    expected--;
  }
  return streak;
}

/**
 * Learning statistics in one round trip: cards by state, due today, reviews today, 30-day retention
 * (reviews of cards in review state not rated "again"), and the daily streak.
 */
export async function getStats(deps: AuthedDeps): Promise<z.infer<typeof statsSchema>> {
  const { db, auth, now } = deps;
  const todayStart = startOfUtcDay(now);
  const userReviews = eq(reviewLogs.userId, auth.userId);
  // The divisor is inlined: a bound JS number may arrive as REAL and make the division fractional.
  const dayNumber = sql<number>`cast(${reviewLogs.reviewedAt} / ${sql.raw(String(DAY_MS))} as integer)`;
  const [byState, [dueToday], [reviewsToday], [retention], days] = await authedBatch(db, auth, now, [
    db
      .select({ state: flashcards.state, n: count() })
      .from(flashcards)
      .where(eq(flashcards.userId, auth.userId))
      .groupBy(flashcards.state),
    db
      .select({ n: count() })
      .from(flashcards)
      // A literal `state <> 0` so the partial queue index serves it (see src/study/queue.ts).
      .where(
        and(eq(flashcards.userId, auth.userId), sql`${flashcards.state} <> 0`, lt(flashcards.due, todayStart + DAY_MS)),
      ),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(userReviews, gte(reviewLogs.reviewedAt, todayStart))),
    db
      .select({ total: count(), remembered: sum(sql`${reviewLogs.rating} <> 1`) })
      .from(reviewLogs)
      .where(and(userReviews, gte(reviewLogs.reviewedAt, now - 30 * DAY_MS), eq(reviewLogs.state, 2))),
    db
      .selectDistinct({ day: dayNumber })
      .from(reviewLogs)
      .where(and(userReviews, gte(reviewLogs.reviewedAt, todayStart - STREAK_WINDOW_DAYS * DAY_MS)))
      .orderBy(desc(dayNumber)),
  ]);

  const states = Object.fromEntries(STUDY_STATES.map((name) => [name, 0])) as Record<
    (typeof STUDY_STATES)[number],
    number
  >;
  for (const row of byState) {
    const name = STUDY_STATES[row.state];
    if (name) states[name] = row.n;
  }
  const total = retention?.total ?? 0;
  return {
    total_cards: Object.values(states).reduce((a, b) => a + b, 0),
    by_state: states,
    due_today: dueToday?.n ?? 0,
    reviews_today: reviewsToday?.n ?? 0,
    retention_last_30_days: total > 0 ? Number(retention?.remembered ?? 0) / total : null,
    streak_days: streakFrom(
      days.map((d) => Number(d.day)),
      todayStart / DAY_MS,
    ),
  };
}
