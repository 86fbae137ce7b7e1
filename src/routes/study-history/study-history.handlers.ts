/**
 * Study history: reviews per learner day (`GET /stats/daily`) and cards due per learner day ahead
 * (`GET /stats/forecast`). Each is one statement in one round trip (two after a settings change in
 * another isolate): the learner's day windows — 23 or 25 hours on daylight-saving days — go to SQLite
 * as one JSON parameter and are joined to an index range each.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { selectFromSql } from "../../db/deck-queries";
import type { AuthedDeps } from "../../lib/deps";
import { addDays, learnerDay, learnerDayWindows } from "../../lib/zoned-days";
import { dayClockOf } from "../../study/settings";
import { batchWithSettings } from "../../study/user-settings";
import type { DailyStatsJson, DailyStatsQuery, ForecastJson, ForecastQuery } from "./study-history.schemas";

type Window = [date: string, start: number, end: number];

/**
 * Per window, the caller's reviews in `[start, end)` on `review_logs_user_reviewed_idx (user_id,
 * reviewed_at)`; the JSON list stays outermost (LEFT JOIN keeps it there), so each window is one index
 * range and a day without reviews still answers a row. Manual entries (rating 0) are not reviews.
 */
export function dailySql(userId: string, windows: Window[]): SQL {
  return sql`
    SELECT d.value ->> 0 AS date,
      count(l.id) AS reviews,
      coalesce(sum(l.rating = 1), 0) AS again,
      coalesce(sum(l.duration_ms), 0) AS time_ms,
      coalesce(sum(l.state = 0), 0) AS new_cards
    FROM json_each(${JSON.stringify(windows)}) AS d
    LEFT JOIN review_logs AS l
      ON l.user_id = ${userId} AND l.reviewed_at >= d.value ->> 1 AND l.reviewed_at < d.value ->> 2 AND l.rating > 0
    GROUP BY d.key
    ORDER BY d.key`;
}

/**
 * Per window, the caller's cards in learning, review or relearning due in `[start, end)`, index-only on
 * the partial index `flashcards_user_due_offered_idx (…) WHERE state <> 0 AND suspended = 0` (the
 * literals match its WHERE). Suspended cards will not come, so they are left out; buried ones are
 * counted (they come back by the next day).
 */
export function forecastSql(userId: string, windows: Window[]): SQL {
  return sql`
    SELECT d.value ->> 0 AS date,
      (SELECT count(*) FROM flashcards AS f
        WHERE f.user_id = ${userId} AND f.state <> 0 AND f.due >= d.value ->> 1 AND f.due < d.value ->> 2
          AND f.suspended = 0) AS due
    FROM json_each(${JSON.stringify(windows)}) AS d
    ORDER BY d.key`;
}

/**
 * Reviews, agains, time and new cards per learner date from `from` to `to` inclusive (zeros included).
 * @throws ApiError 401 (session ended), 503 (D1 transient).
 */
export async function getDailyStats(deps: AuthedDeps, query: DailyStatsQuery): Promise<DailyStatsJson> {
  const { db, auth } = deps;
  const { results } = await batchWithSettings(deps, (guess) => [
    dailyRows(db, dailySql(auth.userId, learnerDayWindows(query.from, query.to, dayClockOf(guess)))),
  ]);
  const [rows] = results;
  return {
    data: rows.map((row) => ({
      date: String(row.date),
      reviews: Number(row.reviews),
      again: Number(row.again),
      time_ms: Number(row.time_ms),
      new_cards: Number(row.new_cards),
    })),
  };
}

/**
 * Cards due per learner date for `days` days from today; today also counts what is overdue.
 * @throws ApiError 401 (session ended), 503 (D1 transient).
 */
export async function getForecast(deps: AuthedDeps, query: ForecastQuery): Promise<ForecastJson> {
  const { db, auth, now } = deps;
  const { results } = await batchWithSettings(deps, (guess) => {
    const clock = dayClockOf(guess);
    const today = learnerDay(now, clock).date;
    const windows = learnerDayWindows(today, addDays(today, query.days - 1), clock);
    // Everything overdue is due today.
    if (windows[0]) windows[0][1] = 0;
    return [forecastRows(db, forecastSql(auth.userId, windows))];
  });
  const [rows] = results;
  return { data: rows.map((row) => ({ date: String(row.date), due: Number(row.due) })) };
}

const dailyRows = (db: Db, statement: SQL) =>
  selectFromSql<{ date: string; reviews: number; again: number; time_ms: number; new_cards: number }>(db, statement, [
    "date",
    "reviews",
    "again",
    "time_ms",
    "new_cards",
  ]).orderBy(sql`"date"`);

const forecastRows = (db: Db, statement: SQL) =>
  selectFromSql<{ date: string; due: number }>(db, statement, ["date", "due"]).orderBy(sql`"date"`);
