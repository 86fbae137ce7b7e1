/**
 * Shared paging rules for collections.
 */
import * as z from "zod";

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

/** `limit` query parameter: a whole number 1..100 written in digits, default 20. */
export const limitParam = z
  .string()
  .regex(/^\d{1,3}$/, `Must be a whole number from 1 to ${PAGE_MAX}.`)
  .transform(Number)
  .pipe(z.number().min(1, `Must be at least 1.`).max(PAGE_MAX, `Must be at most ${PAGE_MAX}.`))
  .default(PAGE_DEFAULT);

/** The `pagination` object of every collection response. */
export const paginationSchema = z.object({
  limit: z.int(),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: "Pass as `cursor` to get the next page; null on the last page." }),
  has_more: z.boolean(),
});

export type Pagination = z.infer<typeof paginationSchema>;
