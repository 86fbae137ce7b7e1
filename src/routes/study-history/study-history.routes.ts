/**
 * HTTP contract of the study history: `GET /stats/daily` and `GET /stats/forecast`. Both require a
 * bearer token; dates are the learner's (their time zone and day start, GET /settings).
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { getDailyStats, getForecast } from "./study-history.handlers";
import { dailyStatsQuerySchema, dailyStatsSchema, forecastQuerySchema, forecastSchema } from "./study-history.schemas";

/** Study history and the due forecast, under `/api/v1/stats`. */
export const studyHistoryRoutes = new Hono<AppEnv>()
  .get(
    "/daily",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getDailyStats",
        summary: "Reviews per learner day: a heatmap or calendar",
        description:
          "Every date from `from` to `to` inclusive (at most 366), zeros included, in the learner's time zone with their day start (a day is 23 or 25 hours on daylight-saving changes). Manual forget/reschedule entries are not reviews.",
        tag: "study",
        success: { status: 200, description: "One entry per date, oldest first.", schema: dailyStatsSchema },
      },
    ),
    requireAuth(),
    validate("query", dailyStatsQuerySchema),
    async (c) => {
      return c.json(await getDailyStats(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/forecast",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getForecast",
        summary: "Cards due per learner day ahead",
        description:
          "One entry per learner date from today for `days` days; today also counts every overdue card. Suspended cards are left out; new cards are not due.",
        tag: "study",
        success: { status: 200, description: "One entry per date, today first.", schema: forecastSchema },
      },
    ),
    requireAuth(),
    validate("query", forecastQuerySchema),
    async (c) => {
      return c.json(await getForecast(authedDeps(c), c.req.valid("query")), 200);
    },
  );
