/**
 * Request schemas of the card-state endpoints (suspend, unsuspend, bury, forget, reschedule).
 */
import * as z from "zod";
import { learnerDateParam } from "../../lib/params";

/** The body of the forget endpoint. */
export const forgetSchema = z.strictObject({
  reset_counts: z
    .boolean("Must be true or false.")
    .optional()
    .meta(
      ROUTE_DOCS ? { description: "Also set reps and lapses back to 0 (default false: history counts kept)." } : {},
    ),
});

/** The body of the reschedule endpoint. */
export const rescheduleSchema = z.strictObject({
  due: learnerDateParam.meta(
    ROUTE_DOCS
      ? {
          description: "The learner's date (their zone) the card becomes due, at their day start.",
        }
      : {},
  ),
});

/** A validated forget body. */
export type ForgetInput = z.infer<typeof forgetSchema>;
/** A validated reschedule body. */
export type RescheduleInput = z.infer<typeof rescheduleSchema>;
