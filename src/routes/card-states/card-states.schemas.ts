/**
 * Request schemas of the card-state endpoints (suspend, unsuspend, bury, forget, reschedule).
 */
import * as z from "zod";

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 2000–2199. */
export const learnerDateParam = z
  .string("Must be a date (YYYY-MM-DD).")
  .regex(/^(20\d\d|21\d\d)-\d\d-\d\d$/, "Must be a date YYYY-MM-DD between 2000-01-01 and 2199-12-31.")
  .refine((date) => {
    const ms = Date.parse(`${date}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date;
  }, "Must be a real calendar date.");

export const forgetSchema = z.strictObject({
  reset_counts: z
    .boolean("Must be true or false.")
    .optional()
    .meta({ description: "Also set reps and lapses back to 0 (default false: history counts kept)." }),
});

export const rescheduleSchema = z.strictObject({
  due: learnerDateParam.meta({
    description: "The learner's date (their zone) the card becomes due, at their day start.",
  }),
});

export type ForgetInput = z.infer<typeof forgetSchema>;
export type RescheduleInput = z.infer<typeof rescheduleSchema>;
