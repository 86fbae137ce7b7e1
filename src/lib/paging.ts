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
export type Pagination = { limit: number; next_cursor: string | null; has_more: boolean };
