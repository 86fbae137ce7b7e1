/**
 * Reviews: rate a card (FSRS via ts-fsrs), read its review history, preview the next due dates.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type * as z from "zod";
import { ownedBy } from "../../db/ownership";
import { flashcardColumns, reviewColumns } from "../../db/projections";
import { flashcards, reviewLogs } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import {
  cardNotInSession,
  idReused,
  noReviewToUndo,
  notFound,
  reviewConflict,
  reviewInFuture,
  reviewTooOld,
  sessionFinished,
  undoUnavailable,
} from "../../lib/errors";
import { keyset } from "../../lib/keyset";
import type { PageQuery, Pagination } from "../../lib/params";
import { toIso } from "../../lib/time";
import { applyReviews, FUTURE_TOLERANCE_MS, MAX_REPLAY, type RejectCode } from "../../study/apply-reviews";
import { restoredCard } from "../../study/pre-review-snapshot";
import { GRADE, getScheduler, RATINGS, toFsrsCard } from "../../study/scheduler";
import { resolveSettings } from "../../study/settings";
import { selectSettingsRow } from "../../study/user-settings";
import { type FlashcardJson, toFlashcardJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { type ReviewJson, toReviewJson } from "./review-view";
import type { CreateReviewInput, schedulePreviewSchema } from "./reviews.schemas";

const ownCard = (deps: AuthedDeps, id: string) => ownedBy(flashcards, id, deps.auth.userId);

/** The problem a rejected single review answers with. */
function reviewProblem(code: RejectCode, id: string, input: CreateReviewInput) {
  switch (code) {
    case "card_not_found":
      return notFound("flashcard", id);
    case "session_not_found":
      return notFound("study session", input.session_id);
    case "session_finished":
      return sessionFinished();
    case "card_not_in_session":
      return cardNotInSession();
    case "review_in_future":
      return reviewInFuture(FUTURE_TOLERANCE_MS / 60_000);
    case "id_reused":
      return idReused();
    case "review_too_old":
      return reviewTooOld(MAX_REPLAY);
    default:
      return reviewConflict();
  }
}

/**
 * Rates a card at `reviewed_at` (default now) through the shared review engine
 * (src/study/apply-reviews.ts): ts-fsrs computes the new state, the log row (with the card's pre-review
 * snapshot) and the card update are written in one batch conditional on the card's version, so of two
 * simultaneous reviews exactly one applies. A client `id` makes the call idempotent: resending it
 * answers the stored review. A `reviewed_at` older than the card's latest review is placed in its
 * history and the later reviews are replayed. One read and one write round trip (a third only after a
 * lost race).
 * @throws ApiError 404 (card or session), 409 `review_conflict` / `session_finished` / `card_not_in_session` / `id_reused` /
 * `review_too_old`, 422 `review_in_future`.
 */
export async function reviewFlashcard(
  deps: AuthedDeps,
  id: string,
  input: CreateReviewInput,
): Promise<{ flashcard: FlashcardJson; review: ReviewJson; version: number }> {
  const [outcome] = await applyReviews(deps, [
    {
      id: input.id ?? crypto.randomUUID(),
      flashcardId: id,
      rating: input.rating,
      reviewedAt: input.reviewed_at ?? deps.now,
      durationMs: input.duration_ms ?? null,
      sessionId: input.session_id ?? null,
    },
  ]);
  if (!outcome) throw reviewConflict();
  if (outcome.status === "rejected") throw reviewProblem(outcome.code, id, input);
  return {
    flashcard: toFlashcardJson(outcome.card),
    review: toReviewJson(outcome.review),
    version: outcome.card.version,
  };
}

/**
 * Takes back the card's latest review-log entry (by `reviewed_at`, then id): the card's study columns
 * return to exactly what the entry's snapshot recorded (src/study/pre-review-snapshot.ts), the row is
 * deleted, and the card's version grows (it changed again). Calling it again walks back one more entry.
 * One read and one write round trip; the write is conditional on the version read.
 * @throws ApiError 404 `not_found` / `no_review_to_undo`, 409 `review_conflict` (a concurrent change) /
 * `undo_unavailable` (an entry written before snapshots existed).
 */
export async function undoLatestReview(
  deps: AuthedDeps,
  id: string,
): Promise<{ flashcard: FlashcardJson; undone: ReviewJson; version: number }> {
  const { db, auth, now } = deps;
  const [cards, logs] = await authedBatch(db, auth, now, [
    db.select({ version: flashcards.version }).from(flashcards).where(ownCard(deps, id)),
    db
      .select()
      .from(reviewLogs)
      .where(and(eq(reviewLogs.flashcardId, id), eq(reviewLogs.userId, auth.userId)))
      .orderBy(desc(reviewLogs.reviewedAt), desc(reviewLogs.id))
      .limit(1),
  ]);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  const log = logs[0];
  if (!log) throw noReviewToUndo();
  const previous = restoredCard(log);
  if (!previous) throw undoUnavailable();
  const sameVersion = and(ownCard(deps, id), eq(flashcards.version, card.version));
  const [, updated] = await authedBatch(db, auth, now, [
    // Delete first: both statements then judge the same version inside the transaction.
    db
      .delete(reviewLogs)
      .where(
        and(
          eq(reviewLogs.id, log.id),
          eq(reviewLogs.userId, auth.userId),
          sql`EXISTS (SELECT 1 FROM ${flashcards} WHERE ${sameVersion})`,
        ),
      ),
    db
      .update(flashcards)
      .set({ ...previous, version: card.version + 1 })
      .where(sameVersion)
      .returning({ ...flashcardColumns, version: flashcards.version }),
  ]);
  const restored = updated[0];
  if (!restored) throw reviewConflict();
  return { flashcard: toFlashcardJson(restored), undone: toReviewJson(log), version: restored.version };
}

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
