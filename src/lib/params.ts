/**
 * The one home of parameters every collection and resource shares: the `:id` path parameter, the paging
 * query (`limit`, `cursor`) and the `pagination` object of every collection response. Route folders
 * import these; they never declare their own copies.
 */
import * as z from "zod";

/** Default and largest page size. */
export const PAGE_DEFAULT = 20;
/** The largest page any collection serves (`limit`). */
export const PAGE_MAX = 100;

/** Path parameter of every `/:id` route: a UUID, else 400 (never a 500, never a query). */
export const idParamSchema = z.strictObject({ id: z.uuid("Must be a UUID.") });

/** `limit` query parameter: a whole number 1..100 written in digits, default 20. */
export const limitParam = z
  .string()
  .regex(/^\d{1,3}$/, `Must be a whole number from 1 to ${PAGE_MAX}.`)
  .transform(Number)
  .pipe(z.number().min(1, `Must be at least 1.`).max(PAGE_MAX, `Must be at most ${PAGE_MAX}.`))
  .default(PAGE_DEFAULT);

/** `cursor` query parameter: the opaque `next_cursor` of the previous page (src/lib/keyset.ts checks it). */
export const cursorParam = z.string().max(512, "Is too long.").optional();

/** The query of a plain paged collection: `limit` and `cursor`, nothing else. */
export const pageQuerySchema = z.strictObject({ limit: limitParam, cursor: cursorParam });

/** A validated `pageQuerySchema`. */
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** The `pagination` object of every collection response. */
export const paginationSchema = z.object({
  limit: z.int(),
  next_cursor: z
    .string()
    .nullable()
    .meta(ROUTE_DOCS ? { description: "Pass as `cursor` to get the next page; null on the last page." } : {}),
  has_more: z.boolean(),
});

/** A collection response's `pagination`. */
export type Pagination = z.infer<typeof paginationSchema>;

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 2000–2199. */
export const learnerDateParam = z
  .string("Must be a date (YYYY-MM-DD).")
  .regex(/^(20\d\d|21\d\d)-\d\d-\d\d$/, "Must be a date YYYY-MM-DD between 2000-01-01 and 2199-12-31.")
  .refine((date) => {
    const ms = Date.parse(`${date}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === date;
  }, "Must be a real calendar date.");
