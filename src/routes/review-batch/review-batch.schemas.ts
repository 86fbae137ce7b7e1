/**
 * Request and response schemas of POST /reviews/batch (offline reviews uploaded later).
 */
import * as z from "zod";
import { RATINGS } from "../../study/scheduler";
import { flashcardSchema } from "../flashcards/flashcards.schemas";
import { durationMsSchema, reviewedAtSchema } from "../reviews/reviews.schemas";

/** Reviews per upload. */
export const MAX_BATCH = 500;

const batchItemSchema = z.strictObject({
  id: z
    .uuid("Must be a UUID.")
    .meta(ROUTE_DOCS ? { description: "Client-made; resending the same review applies it once." } : {}),
  flashcard_id: z.uuid("Must be a UUID."),
  // Checked per item: a bad rating rejects only its review (`invalid_rating`), not the whole upload.
  rating: z
    .union([z.string().max(32, "Is too long."), z.number()], "Must be one of: again, hard, good, easy.")
    .meta(
      ROUTE_DOCS
        ? { description: `One of ${RATINGS.join(", ")}; anything else rejects only this item (\`invalid_rating\`).` }
        : {},
    ),
  reviewed_at: reviewedAtSchema.meta(
    ROUTE_DOCS ? { description: "When the person studied; FSRS runs at this time." } : {},
  ),
  duration_ms: durationMsSchema.optional(),
  session_id: z.uuid("Must be a UUID.").optional(),
});

/** The body of `POST /reviews/batch`. */
export const reviewBatchSchema = z.strictObject({
  reviews: z
    .array(batchItemSchema)
    .min(1, "Must contain at least 1 review.")
    .max(MAX_BATCH, `Must contain at most ${MAX_BATCH} reviews.`),
});

/** Why one review of a batch was rejected (the item's `code`). */
export const BATCH_ITEM_CODES = [
  "not_found",
  "invalid_rating",
  "session_finished",
  "card_not_in_session",
  "review_in_future",
  "id_reused",
  "review_too_old",
  "review_conflict",
] as const;

/** The body of `POST /reviews/batch`: one result per review, in the order sent. */
export const reviewBatchResultSchema = z.object({
  results: z.array(
    z.object({
      id: z.uuid(),
      status: z.enum(["applied", "duplicate", "rejected"]),
      code: z.enum(BATCH_ITEM_CODES).optional(),
      flashcard: flashcardSchema
        .optional()
        .meta(ROUTE_DOCS ? { description: "The card's state now (applied and duplicate)." } : {}),
    }),
  ),
});

/** A validated batch upload. */
export type ReviewBatchInput = z.infer<typeof reviewBatchSchema>;
/** The batch upload's answer as a handler returns it. */
export type ReviewBatchResult = z.infer<typeof reviewBatchResultSchema>;
