/**
 * Request schemas of the review endpoints.
 */
import * as z from "zod";
import { paginationSchema } from "../../lib/params";
import { RATINGS } from "../../study/scheduler";
import { flashcardSchema, STUDY_STATES } from "../flashcards/flashcards.schemas";

export const createReviewSchema = z.strictObject({
  rating: z.enum(RATINGS, `Must be one of: ${RATINGS.join(", ")}.`),
  session_id: z.uuid("Must be a UUID.").optional(),
  duration_ms: z
    .number()
    .int("Must be a whole number.")
    .min(0, "Must be at least 0.")
    .max(86_400_000, "Must be at most 86400000 (a day).")
    .optional(),
});

export const reviewSchema = z
  .object({
    id: z.uuid(),
    flashcard_id: z.uuid(),
    session_id: z.uuid().nullable(),
    rating: z.enum(RATINGS),
    state_before: z.enum(STUDY_STATES),
    due_before: z.iso.datetime(),
    stability: z.number(),
    difficulty: z.number(),
    elapsed_days: z.int(),
    last_elapsed_days: z.int(),
    scheduled_days: z.int(),
    learning_steps: z.int(),
    next_due: z.iso.datetime(),
    duration_ms: z.int().nullable(),
    reviewed_at: z.iso.datetime(),
  })
  .meta({ id: "Review", description: "FSRS fields are the card's state before the review, as ts-fsrs logs it." });

export const reviewResultSchema = z.object({ flashcard: flashcardSchema, review: reviewSchema });
export const reviewListSchema = z.object({ data: z.array(reviewSchema), pagination: paginationSchema });
const previewEntry = z.object({ due: z.iso.datetime(), scheduled_days: z.int(), state: z.enum(STUDY_STATES) });
export const schedulePreviewSchema = z.object({
  again: previewEntry,
  hard: previewEntry,
  good: previewEntry,
  easy: previewEntry,
});

export type CreateReviewInput = z.infer<typeof createReviewSchema>;
