/**
 * The study queue and learning statistics.
 */
import { and, count, eq, gt, gte, lt, sql, sum } from "drizzle-orm";
import type * as z from "zod";
import { assertScopeFound, cardScopeCheck, scopeNamesSomething } from "../../db/card-scope";
import { subtreeSql } from "../../db/deck-queries";
import { cardCounts, flashcards, reviewLogs } from "../../db/schema";
import type { CardScope } from "../../lib/card-scope-params";
import { DAY_MS } from "../../lib/days";
import type { AuthedDeps } from "../../lib/deps";
import { addDays, learnerDay, learnerDayWindows } from "../../lib/zoned-days";
import { queueConditions, readStudyQueue } from "../../study/queue";
import { dayClockOf } from "../../study/settings";
import { batchWithSettings } from "../../study/user-settings";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import type { QueueQuery, queueSchema, StatsQuery, statsSchema } from "./study.schemas";

/** The queue as JSON: cards to study now and the counts. One round trip. */
export async function getStudyQueue(deps: AuthedDeps, query: QueueQuery): Promise<z.infer<typeof queueSchema>> {
  const queue = await readStudyQueue(deps, { limit: query.limit, scope: { deckId: query.deck_id, tags: query.tag } });
  return { data: queue.cards.map(toFlashcardJson), counts: queue.counts };
}

const STREAK_WINDOW_DAYS = 366;
const RETENTION_WINDOW_MS = 30 * DAY_MS;
/** A card whose interval before the review was at least this many days is mature (Anki's rule). */
export const MATURE_INTERVAL_DAYS = 21;

/** Consecutive learner days with reviews, ending today or yesterday; `days` are day indexes, newest first. */
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

const share = (remembered: unknown, total: number) => (total > 0 ? Number(remembered ?? 0) / total : null);

/**
 * Learning statistics in one round trip (manual forget/reschedule entries are not reviews and count
 * nowhere), "today" being the learner's day (zone and day start): cards
 * by state, due before the day ends, reviews today, 30-day true retention (overall, young, mature),
 * and the streak of learner days with reviews (one index probe per day over the last year).
 */
export async function getStats(deps: AuthedDeps, query: StatsQuery = {}): Promise<z.infer<typeof statsSchema>> {
  const { db, auth, now } = deps;
  const scope: CardScope = { deckId: query.deck_id, tags: query.tag };
  const checked = scopeNamesSomething(scope);
  const countersServe = !scope.tags?.length;
  const { user: userCards, due } = queueConditions(auth.userId, scope);
  // Scoped, a review counts when its card is in the scope now (a PK probe per review, not a deck-sized list).
  const reviewInScope = sql`EXISTS (SELECT 1 FROM ${flashcards} WHERE ${flashcards.id} = ${reviewLogs.flashcardId} AND ${userCards})`;
  const userReviews = checked
    ? and(eq(reviewLogs.userId, auth.userId), reviewInScope)
    : eq(reviewLogs.userId, auth.userId);
  const streakScope = checked ? sql` AND ${reviewInScope}` : sql``;
  const mature = sql.raw(String(MATURE_INTERVAL_DAYS));
  const { results } = await batchWithSettings(deps, (guess) => {
    const clock = dayClockOf(guess);
    const today = learnerDay(now, clock);
    const windows = learnerDayWindows(addDays(today.date, -STREAK_WINDOW_DAYS), today.date, clock);
    return [
      // Unscoped or scoped by deck alone: the maintained counters (a few rows per deck, flat in the number
      // of cards). Scoped by tag: the cards in scope (the counters are per deck and state, not per tag).
      countersServe
        ? db
            .select({ state: cardCounts.state, n: sql<number>`sum(${cardCounts.n})` })
            .from(cardCounts)
            .where(
              and(
                eq(cardCounts.userId, auth.userId),
                scope.deckId ? sql`${cardCounts.deckKey} IN (${subtreeSql(auth.userId, scope.deckId)})` : undefined,
              ),
            )
            .groupBy(cardCounts.state)
        : db
            .select({ state: flashcards.state, n: count() })
            .from(flashcards)
            .where(userCards)
            .groupBy(flashcards.state),
      db
        .select({ n: count() })
        .from(flashcards)
        // The queue's due-state condition, so the partial queue index (or the deck index) serves it.
        .where(and(userCards, due, lt(flashcards.due, today.end))),
      db
        .select({ n: count() })
        .from(reviewLogs)
        .where(and(userReviews, gte(reviewLogs.reviewedAt, today.start), gt(reviewLogs.rating, 0))),
      db
        .select({
          total: count(),
          remembered: sum(sql`${reviewLogs.rating} <> 1`),
          young: sum(sql`${reviewLogs.scheduledDays} < ${mature}`),
          youngRemembered: sum(sql`${reviewLogs.scheduledDays} < ${mature} AND ${reviewLogs.rating} <> 1`),
          matureRemembered: sum(sql`${reviewLogs.scheduledDays} >= ${mature} AND ${reviewLogs.rating} <> 1`),
        })
        .from(reviewLogs)
        .where(
          and(
            userReviews,
            gte(reviewLogs.reviewedAt, now - RETENTION_WINDOW_MS),
            eq(reviewLogs.state, 2),
            gt(reviewLogs.rating, 0),
          ),
        ),
      // Learner days with at least one review: one EXISTS probe on (user_id, reviewed_at) per day.
      db
        .select({ day: sql<number>`CAST(d.key AS INTEGER)` })
        .from(sql`json_each(${JSON.stringify(windows.map(([, start, end]) => [start, end]))}) AS d`)
        .where(
          sql`EXISTS (SELECT 1 FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${auth.userId} AND ${reviewLogs.reviewedAt} >= d.value ->> 0 AND ${reviewLogs.reviewedAt} < d.value ->> 1 AND ${reviewLogs.rating} > 0${streakScope})`,
        )
        .orderBy(sql`d.key DESC`),
      ...(checked ? [cardScopeCheck(db, auth.userId, scope)] : []),
    ] as const;
  });
  const [byState, [dueToday], [reviewsToday], [retention], days, check] = results;
  if (checked) assertScopeFound(check?.[0], scope);

  const states = Object.fromEntries(STUDY_STATES.map((name) => [name, 0])) as Record<
    (typeof STUDY_STATES)[number],
    number
  >;
  for (const row of byState) {
    const name = STUDY_STATES[row.state];
    if (name) states[name] = Number(row.n);
  }
  const total = retention?.total ?? 0;
  const young = Number(retention?.young ?? 0);
  return {
    total_cards: Object.values(states).reduce((a, b) => a + b, 0),
    by_state: states,
    due_today: dueToday?.n ?? 0,
    reviews_today: reviewsToday?.n ?? 0,
    retention_last_30_days: share(retention?.remembered, total),
    retention: {
      young: share(retention?.youngRemembered, young),
      mature: share(retention?.matureRemembered, total - young),
    },
    streak_days: streakFrom(
      days.map((d) => Number(d.day)),
      STREAK_WINDOW_DAYS,
    ),
  };
}
