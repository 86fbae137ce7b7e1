/**
 * How a review log is shown to clients.
 */

import type * as z from "zod";
import type { ReviewLogRow } from "../../db/schema";
import { toIso } from "../../lib/time";
import { RATING_NAME } from "../../study/scheduler";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import type { reviewSchema } from "./reviews.schemas";

/** Renders a review: the rating, the card's FSRS state before it (as ts-fsrs logs it) and the due date it produced. */
export function toReviewJson(row: ReviewView): ReviewJson {
  return {
    id: row.id,
    flashcard_id: row.flashcardId,
    session_id: row.sessionId,
    // 0 is ts-fsrs `Rating.Manual`: a forget or reschedule entry.
    rating: RATING_NAME[row.rating] ?? "manual",
    state_before: STUDY_STATES[row.state] ?? "new",
    due_before: toIso(row.due),
    stability: row.stability,
    difficulty: row.difficulty,
    elapsed_days: row.elapsedDays,
    last_elapsed_days: row.lastElapsedDays,
    scheduled_days: row.scheduledDays,
    learning_steps: row.learningSteps,
    next_due: toIso(row.nextDue),
    duration_ms: row.durationMs,
    reviewed_at: toIso(row.reviewedAt),
  };
}

/** A review log as a handler returns it. */
export type ReviewJson = z.infer<typeof reviewSchema>;

/** The log columns a review response is built from. */
export type ReviewView = Pick<
  ReviewLogRow,
  | "id"
  | "flashcardId"
  | "sessionId"
  | "rating"
  | "state"
  | "due"
  | "stability"
  | "difficulty"
  | "elapsedDays"
  | "lastElapsedDays"
  | "scheduledDays"
  | "learningSteps"
  | "nextDue"
  | "durationMs"
  | "reviewedAt"
>;
