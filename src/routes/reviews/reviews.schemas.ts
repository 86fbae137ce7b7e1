/**
 * Request schemas of the review endpoints.
 */
import * as z from "zod";
import { RATINGS } from "../../study/scheduler";
import { limitParam } from "../../lib/paging";

export const createReviewSchema = z.strictObject({
  rating: z.enum(RATINGS, `Must be one of: ${RATINGS.join(", ")}.`),
  session_id: z.uuid("Must be a UUID.").optional(),
  duration_ms: z.number().int("Must be a whole number.").min(0, "Must be at least 0.").max(86_400_000, "Must be at most 86400000 (a day).").optional(),
});

export const listReviewsQuerySchema = z.strictObject({
  limit: limitParam,
  cursor: z.string().max(512, "Is too long.").optional(),
});

export type CreateReviewInput = z.infer<typeof createReviewSchema>;
export type ListReviewsQuery = z.infer<typeof listReviewsQuerySchema>;
