/**
 * Request schemas of the review endpoints.
 */
import * as z from "zod";
import { paginationSchema } from "../../lib/params";
import { RATINGS } from "../../study/scheduler";
import { flashcardSchema, STUDY_STATES } from "../flashcards/flashcards.schemas";

/** Epoch ms of 2000-01-01: no flashcard of ours was reviewed before it (guards absurd device clocks). */
const EARLIEST_REVIEW_MS = Date.UTC(2000, 0, 1);

/** When the person studied: ISO 8601 with an offset (`Z` or `+02:00`), as epoch ms. */
export const reviewedAtSchema = z.iso
  .datetime({ offset: true, message: "Must be an ISO 8601 date-time with an offset, e.g. 2026-11-30T08:15:00Z." })
  .transform((value) => Date.parse(value))
  .refine((ms) => ms >= EARLIEST_REVIEW_MS, "Must not be before 2000-01-01.");

/** How long the learner looked at the card, in milliseconds (0 to 24 hours). */
export const durationMsSchema = z
  .number()
  .int("Must be a whole number.")
  .min(0, "Must be at least 0.")
  .max(86_400_000, "Must be at most 86400000 (a day).");

/** The body of `POST /flashcards/:id/reviews`. */
export const createReviewSchema = z.strictObject({
  rating: z.enum(RATINGS, `Must be one of: ${RATINGS.join(", ")}.`),
  session_id: z.uuid("Must be a UUID.").optional(),
  duration_ms: durationMsSchema.optional(),
  id: z
    .uuid("Must be a UUID.")
    .optional()
    .meta(ROUTE_DOCS ? { description: "A client-made id: sending the same review again applies it once." } : {}),
  reviewed_at: reviewedAtSchema
    .optional()
    .meta(
      ROUTE_DOCS
        ? { description: "When the review happened (default: now); at most 5 minutes ahead of the server." }
        : {},
    ),
});

/** A review log as the API shows it (the card's state before, the due date after). */
export const reviewSchema = z
  .object({
    id: z.uuid(),
    flashcard_id: z.uuid(),
    session_id: z.uuid().nullable(),
    rating: z
      .enum([...RATINGS, "manual"])
      .meta(ROUTE_DOCS ? { description: "`manual`: a forget or reschedule entry (ts-fsrs Rating.Manual)." } : {}),
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
  .meta(
    ROUTE_DOCS
      ? { id: "Review", description: "FSRS fields are the card's state before the review, as ts-fsrs logs it." }
      : {},
  );

/** The body of `POST /flashcards/:id/reviews`. */
export const reviewResultSchema = z.object({ flashcard: flashcardSchema, review: reviewSchema });
/** The body of `DELETE /flashcards/:id/reviews/latest`. */
export const undoResultSchema = z.object({ flashcard: flashcardSchema, undone: reviewSchema });
/** The body of `GET /flashcards/:id/reviews`. */
export const reviewListSchema = z.object({ data: z.array(reviewSchema), pagination: paginationSchema });
const previewEntry = z.object({ due: z.iso.datetime(), scheduled_days: z.int(), state: z.enum(STUDY_STATES) });
/** The body of `GET /flashcards/:id/schedule-preview`: what each rating would give. */
export const schedulePreviewSchema = z.object({
  again: previewEntry,
  hard: previewEntry,
  good: previewEntry,
  easy: previewEntry,
});

/** A validated review body. */
export type CreateReviewInput = z.infer<typeof createReviewSchema>;
