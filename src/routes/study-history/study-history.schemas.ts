/**
 * Request and response schemas of the study history: daily statistics and the due forecast.
 */
import * as z from "zod";
import { learnerDateParam } from "../../lib/params";
import { daysBetween } from "../../lib/zoned-days";

/** The longest range `GET /stats/daily` answers (a leap year). */
export const MAX_DAILY_RANGE_DAYS = 366;
/** The longest forecast. */
export const MAX_FORECAST_DAYS = 365;

/** The query of `GET /stats/daily`: the learner-date range (at most a year). */
export const dailyStatsQuerySchema = z
  .strictObject({
    from: learnerDateParam.meta(ROUTE_DOCS ? { description: "First learner date (your zone), inclusive." } : {}),
    to: learnerDateParam.meta(
      ROUTE_DOCS ? { description: `Last learner date, inclusive; at most ${MAX_DAILY_RANGE_DAYS} days.` } : {},
    ),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "Must not be before from." });
    } else if (daysBetween(query.from, query.to) + 1 > MAX_DAILY_RANGE_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `Must be at most ${MAX_DAILY_RANGE_DAYS} days from from (inclusive).`,
      });
    }
  });

/** The query of `GET /stats/forecast`: how many days ahead. */
export const forecastQuerySchema = z.strictObject({
  days: z
    .string()
    .regex(/^\d{1,3}$/, `Must be a whole number from 1 to ${MAX_FORECAST_DAYS}.`)
    .transform(Number)
    .pipe(z.number().min(1, "Must be at least 1.").max(MAX_FORECAST_DAYS, `Must be at most ${MAX_FORECAST_DAYS}.`))
    .default(30)
    .meta(ROUTE_DOCS ? { description: `Learner days from today, 1–${MAX_FORECAST_DAYS} (default 30).` } : {}),
});

/** The body of `GET /stats/daily`: one entry per learner day. */
export const dailyStatsSchema = z.object({
  data: z.array(
    z.object({
      date: z.iso.date().meta(ROUTE_DOCS ? { description: "The learner's date (their zone and day start)." } : {}),
      reviews: z.int().meta(ROUTE_DOCS ? { description: "Reviews rated 1–4 that day (manual entries excluded)." } : {}),
      again: z.int().meta(ROUTE_DOCS ? { description: "Of them, rated again." } : {}),
      time_ms: z.int().meta(ROUTE_DOCS ? { description: "Sum of the reviews' durations (unknown counts 0)." } : {}),
      new_cards: z.int().meta(ROUTE_DOCS ? { description: "First reviews of new cards." } : {}),
    }),
  ),
});

/** The body of `GET /stats/forecast`: cards due per coming day. */
export const forecastSchema = z.object({
  data: z.array(
    z.object({
      date: z.iso.date().meta(ROUTE_DOCS ? { description: "The learner's date; the first is today." } : {}),
      due: z.int().meta(
        ROUTE_DOCS
          ? {
              description:
                "Cards in learning, review or relearning due that day (today: also everything overdue); suspended cards left out.",
            }
          : {},
      ),
    }),
  ),
});

/** A validated daily-stats query. */
export type DailyStatsQuery = z.infer<typeof dailyStatsQuerySchema>;
/** A validated forecast query. */
export type ForecastQuery = z.infer<typeof forecastQuerySchema>;
/** The daily stats as a handler returns them. */
export type DailyStatsJson = z.infer<typeof dailyStatsSchema>;
/** The forecast as a handler returns it. */
export type ForecastJson = z.infer<typeof forecastSchema>;
