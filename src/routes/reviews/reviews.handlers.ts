/**
 * Reviews: rate a card (FSRS via ts-fsrs), read its review history, preview the next due dates.
 */
import { and, eq, sql } from "drizzle-orm";
import type * as z from "zod";
import { ownedBy } from "../../db/ownership";
import { flashcardColumns } from "../../db/projections";
import { flashcards, reviewLogs, studySessions } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { cardNotInSession, notFound, reviewConflict, sessionFinished } from "../../lib/errors";
import { keyset } from "../../lib/keyset";
import type { PageQuery, Pagination } from "../../lib/params";
import { toIso } from "../../lib/time";
import { fromFsrsCard, GRADE, getScheduler, RATINGS, toFsrsCard } from "../../study/scheduler";
import { resolveSettings } from "../../study/settings";
import { selectSettingsRow } from "../../study/user-settings";
import { type FlashcardJson, toFlashcardJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { type ReviewJson, toReviewJson } from "./review-view";
import type { CreateReviewInput, schedulePreviewSchema } from "./reviews.schemas";

const ownCard = (deps: AuthedDeps, id: string) => ownedBy(flashcards, id, deps.auth.userId);

/**
 * Rates a card: ts-fsrs computes the new state from the stored one; the review log insert and the card
 * update run in one batch, both conditional on the card's version, so of two simultaneous reviews
 * exactly one applies (the other gets 409). One read and one write round trip.
 * @throws ApiError 404 (card or session), 409 `review_conflict` / `session_finished` / `card_not_in_session`.
 */
export async function reviewFlashcard(
  deps: AuthedDeps,
  id: string,
  input: CreateReviewInput,
): Promise<{ flashcard: FlashcardJson; review: ReviewJson }> {
  const { db, auth, now } = deps;
  const [cards, sessions, settingsRows] = await authedBatch(db, auth, now, [
    db
      .select({ ...flashcardColumns, version: flashcards.version })
      .from(flashcards)
      .where(ownCard(deps, id)),
    db
      .select({ id: studySessions.id, finishedAt: studySessions.finishedAt, cardIds: studySessions.cardIds })
      .from(studySessions)
      .where(ownedBy(studySessions, input.session_id ?? "", auth.userId)),
    selectSettingsRow(db, auth.userId),
  ]);
  const settings = resolveSettings(settingsRows[0], deps.config);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  const sessionId = input.session_id ?? null;
  if (sessionId) {
    const session = sessions[0];
    if (!session) throw notFound("study session", sessionId);
    if (session.finishedAt !== null) throw sessionFinished();
    // A session's progress counts its planned cards only: a review of another card in it would be lost.
    if (!session.cardIds.includes(id)) throw cardNotInSession();
  }

  const { card: next, log } = getScheduler(settings).next(toFsrsCard(card), new Date(now), GRADE[input.rating]);
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

/** A card's history pager: newest first, and a cursor only pages the card it was issued for. */
const historyPages = (cardId: string) =>
  keyset<{ id: string; reviewedAt: number }>({
    scope: `reviews:${cardId}`,
    key: reviewLogs.reviewedAt,
    id: reviewLogs.id,
    order: "desc",
    keyOf: (row) => row.reviewedAt,
  });

/**
 * A card's review history, newest first, with the ownership check in the same round trip.
 * @throws ApiError 404 when the card is not the caller's; 400 `invalid_cursor`.
 */
export async function listReviews(
  deps: AuthedDeps,
  id: string,
  query: PageQuery,
): Promise<{ data: ReviewJson[]; pagination: Pagination }> {
  const pages = historyPages(id);
  const after = await pages.open(query.cursor, deps.config.jwtSecret);
  const [cards, rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select({ id: flashcards.id }).from(flashcards).where(ownCard(deps, id)),
    deps.db
      .select(reviewColumns)
      .from(reviewLogs)
      .where(and(eq(reviewLogs.flashcardId, id), eq(reviewLogs.userId, deps.auth.userId), pages.after(after)))
      .orderBy(...pages.orderBy)
      .limit(query.limit + 1),
  ]);
  if (cards.length === 0) throw notFound("flashcard", id);
  const { page, pagination } = await pages.page(rows, query.limit, deps.config.jwtSecret, after);
  return { data: page.map(toReviewJson), pagination };
}

/**
 * What each rating would do to the card now: the due date, interval and state (what study apps show
 * on their buttons). Nothing is written. One round trip.
 * @throws ApiError 404 when the card is not the caller's.
 */
export async function previewSchedule(deps: AuthedDeps, id: string): Promise<z.infer<typeof schedulePreviewSchema>> {
  const [cards, settingsRows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select(flashcardColumns).from(flashcards).where(ownCard(deps, id)),
    selectSettingsRow(deps.db, deps.auth.userId),
  ]);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  const preview = getScheduler(resolveSettings(settingsRows[0], deps.config)).repeat(
    toFsrsCard(card),
    new Date(deps.now),
  );
  const entries = RATINGS.map((rating) => {
    const next = preview[GRADE[rating]].card;
    return [
      rating,
      { due: toIso(next.due.getTime()), scheduled_days: next.scheduled_days, state: STUDY_STATES[next.state] ?? "new" },
    ] as const;
  });
  return Object.fromEntries(entries) as z.infer<typeof schedulePreviewSchema>;
}
