/**
 * Request schemas of the study-session endpoints.
 */
import * as z from "zod";
import { PAGE_DEFAULT, PAGE_MAX } from "../../lib/paging";

export const createSessionSchema = z.strictObject({
  limit: z.number().int("Must be a whole number.").min(1, "Must be at least 1.").max(PAGE_MAX, `Must be at most ${PAGE_MAX}.`).default(PAGE_DEFAULT),
});

export type CreateSessionInput = z.infer<typeof createSessionSchema>;
