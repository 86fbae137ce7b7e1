/**
 * POST /reviews/batch: reviews made offline, uploaded later, applied at their own time.
 */

import type { AuthedDeps } from "../../lib/deps";
import { applyReviews, type RejectCode } from "../../study/apply-reviews";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import type { ReviewBatchInput, ReviewBatchResult } from "./review-batch.schemas";

/** Public item codes: which of card or session was not found is the client's to tell from its data. */
const PUBLIC_CODE: Record<RejectCode, NonNullable<ReviewBatchResult["results"][number]["code"]>> = {
  card_not_found: "not_found",
  session_not_found: "not_found",
  invalid_rating: "invalid_rating",
  session_finished: "session_finished",
  card_not_in_session: "card_not_in_session",
  review_in_future: "review_in_future",
  id_reused: "id_reused",
  review_too_old: "review_too_old",
  review_conflict: "review_conflict",
};

/**
 * Applies 1–500 reviews, each at its `reviewed_at`, idempotently by client id, in at most three D1
 * round trips (src/study/apply-reviews.ts). One result per review, in the order sent; per-item problems
 * reject that item only.
 */
export async function uploadReviews(deps: AuthedDeps, input: ReviewBatchInput): Promise<ReviewBatchResult> {
  const outcomes = await applyReviews(
    deps,
    input.reviews.map((review) => ({
      id: review.id,
      flashcardId: review.flashcard_id,
      rating: review.rating,
      reviewedAt: review.reviewed_at,
      durationMs: review.duration_ms ?? null,
      sessionId: review.session_id ?? null,
    })),
  );
  return {
    results: outcomes.map((outcome) =>
      outcome.status === "rejected"
        ? { id: outcome.id, status: "rejected", code: PUBLIC_CODE[outcome.code] }
        : { id: outcome.id, status: outcome.status, flashcard: toFlashcardJson(outcome.card) },
    ),
  };
}
