/**
 * Reviews: rate a card (FSRS via ts-fsrs), read its review history, preview the next due dates.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import type { Db } from "../../db/client";
import { flashcards, reviewLogs, studySessions } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthContext, Config } from "../../env";
import { decodeCursor, encodeCursor, invalidCursor } from "../../lib/cursor";
import { conflict, notFound } from "../../lib/errors";
import type { Pagination } from "../../lib/paging";
import { toIso } from "../../lib/time";
import { fromFsrsCard, GRADE, getScheduler, RATINGS, toFsrsCard } from "../../study/scheduler";
import { type FlashcardJson, flashcardColumns, STUDY_STATES, toFlashcardJson } from "../flashcards/flashcard-view";
import { type ReviewJson, toReviewJson } from "./review-view";
import type { CreateReviewInput, ListReviewsQuery, schedulePreviewSchema } from "./reviews.schemas";

export type StudyDeps = { db: Db; config: Config; now: number; auth: AuthContext };

const ownCard = (deps: StudyDeps, id: string) => and(eq(flashcards.id, id), eq(flashcards.userId, deps.auth.userId));

export const reviewConflict = () =>
  conflict("The card was reviewed by another request at the same moment; reload it and retry.", "review_conflict");

export const sessionFinished = () => conflict("The study session is already finished.", "session_finished");

/**
 * Rates a card: ts-fsrs computes the new state from the stored one; the review log insert and the card
 * update run in one batch, both conditional on the card's version, so of two simultaneous reviews
 * exactly one applies (the other gets 409). One read and one write round trip.
 * @throws ApiError 404 (card or session), 409 `review_conflict` / `session_finished`.
 */
export async function reviewFlashcard(
  deps: StudyDeps,
  id: string,
  input: CreateReviewInput,
): Promise<{ flashcard: FlashcardJson; review: ReviewJson }> {
  const { db, auth, now } = deps;
  const [cards, sessions] = await authedBatch(db, auth, now, [
    db
      .select({ ...flashcardColumns, version: flashcards.version })
      .from(flashcards)
      .where(ownCard(deps, id)),
    db
      .select({ id: studySessions.id, finishedAt: studySessions.finishedAt })
      .from(studySessions)
      .where(and(eq(studySessions.id, input.session_id ?? ""), eq(studySessions.userId, auth.userId))),
  ]);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  const sessionId = input.session_id ?? null;
  if (sessionId) {
    const session = sessions[0];
    if (!session) throw notFound("study session", sessionId);
    if (session.finishedAt !== null) throw sessionFinished();
  }

  const { card: next, log } = getScheduler(deps.config.study).next(
    toFsrsCard(card),
    new Date(now),
    GRADE[input.rating],
  );
  const after = fromFsrsCard(next);
  const review = {
    id: crypto.randomUUID(),
    flashcardId: id,
    sessionId,
    rating: log.rating as number,
    state: log.state as number,
    due: log.due.getTime(),
    stability: log.stability,
    difficulty: log.difficulty,
    elapsedDays: log.elapsed_days,
    lastElapsedDays: log.last_elapsed_days,
    scheduledDays: log.scheduled_days,
    learningSteps: log.learning_steps,
    nextDue: after.due,
    durationMs: input.duration_ms ?? null,
    reviewedAt: now,
  };
  const sameVersion = and(ownCard(deps, id), eq(flashcards.version, card.version));
  const literal = <T>(value: T, column: string) => sql<T>`${value}`.as(column);
  const [, updated] = await authedBatch(db, auth, now, [
    // Insert first: both statements then judge the same version inside the transaction.
    db.insert(reviewLogs).select(
      db
        .select({
          id: literal(review.id, "id"),
          userId: flashcards.userId,
          flashcardId: flashcards.id,
          sessionId: literal(review.sessionId, "session_id"),
          rating: literal(review.rating, "rating"),
          state: literal(review.state, "state"),
          due: literal(review.due, "due"),
          stability: literal(review.stability, "stability"),
          difficulty: literal(review.difficulty, "difficulty"),
          elapsedDays: literal(review.elapsedDays, "elapsed_days"),
          lastElapsedDays: literal(review.lastElapsedDays, "last_elapsed_days"),
          scheduledDays: literal(review.scheduledDays, "scheduled_days"),
          learningSteps: literal(review.learningSteps, "learning_steps"),
          nextDue: literal(review.nextDue, "next_due"),
          durationMs: literal(review.durationMs, "duration_ms"),
          reviewedAt: literal(review.reviewedAt, "reviewed_at"),
        })
        .from(flashcards)
        .where(sameVersion),
    ),
    db
      .update(flashcards)
      .set({ ...after, version: card.version + 1 })
      .where(sameVersion)
      .returning(flashcardColumns),
  ]);
  const updatedCard = updated[0];
  if (!updatedCard) throw reviewConflict();
  return { flashcard: toFlashcardJson(updatedCard), review: toReviewJson(review) };
}

const reviewColumns = {
  id: reviewLogs.id,
  flashcardId: reviewLogs.flashcardId,
  sessionId: reviewLogs.sessionId,
  rating: reviewLogs.rating,
  state: reviewLogs.state,
  due: reviewLogs.due,
  stability: reviewLogs.stability,
  difficulty: reviewLogs.difficulty,
  elapsedDays: reviewLogs.elapsedDays,
  lastElapsedDays: reviewLogs.lastElapsedDays,
  scheduledDays: reviewLogs.scheduledDays,
  learningSteps: reviewLogs.learningSteps,
  nextDue: reviewLogs.nextDue,
  durationMs: reviewLogs.durationMs,
  reviewedAt: reviewLogs.reviewedAt,
};

const historyCursorSchema = z.strictObject({
  k: z.literal("reviews"),
  c: z.string(),
  v: z.number().int(),
  id: z.string().max(64),
});

/**
 * A card's review history, newest first, with the ownership check in the same round trip.
 * @throws ApiError 404 when the card is not the caller's; 400 `invalid_cursor`.
 */
export async function listReviews(
  deps: StudyDeps,
  id: string,
  query: ListReviewsQuery,
): Promise<{ data: ReviewJson[]; pagination: Pagination }> {
  let after: { v: number; id: string } | undefined;
  if (query.cursor) {
    const parsed = historyCursorSchema.safeParse(await decodeCursor(query.cursor, deps.config.jwtSecret));
    if (!parsed.success || parsed.data.c !== id) throw invalidCursor();
    after = parsed.data;
  }
  const conditions = [eq(reviewLogs.flashcardId, id), eq(reviewLogs.userId, deps.auth.userId)];
  if (after) conditions.push(sql`(${reviewLogs.reviewedAt}, ${reviewLogs.id}) < (${after.v}, ${after.id})`);
  const [cards, rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select({ id: flashcards.id }).from(flashcards).where(ownCard(deps, id)),
    deps.db
      .select(reviewColumns)
      .from(reviewLogs)
      .where(and(...conditions))
      .orderBy(desc(reviewLogs.reviewedAt), desc(reviewLogs.id))
      .limit(query.limit + 1),
  ]);
  if (cards.length === 0) throw notFound("flashcard", id);
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  const nextCursor =
    hasMore && last
      ? await encodeCursor({ k: "reviews", c: id, v: last.reviewedAt, id: last.id }, deps.config.jwtSecret)
      : null;
  return {
    data: page.map(toReviewJson),
    pagination: { limit: query.limit, next_cursor: nextCursor, has_more: hasMore },
  };
}

/**
 * What each rating would do to the card now: the due date, interval and state (what study apps show
 * on their buttons). Nothing is written. One round trip.
 * @throws ApiError 404 when the card is not the caller's.
 */
export async function previewSchedule(deps: StudyDeps, id: string): Promise<z.infer<typeof schedulePreviewSchema>> {
  const [cards] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select(flashcardColumns).from(flashcards).where(ownCard(deps, id)),
  ]);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  const preview = getScheduler(deps.config.study).repeat(toFsrsCard(card), new Date(deps.now));
  const entries = RATINGS.map((rating) => {
    const next = preview[GRADE[rating]].card;
    return [
      rating,
      { due: toIso(next.due.getTime()), scheduled_days: next.scheduled_days, state: STUDY_STATES[next.state] ?? "new" },
    ] as const;
  });
  return Object.fromEntries(entries) as z.infer<typeof schedulePreviewSchema>;
}
