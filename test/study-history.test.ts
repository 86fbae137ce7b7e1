/**
 * GET /stats/daily and GET /stats/forecast: learner days in Europe/Warsaw and America/New_York with a
 * 4 a.m. start across daylight-saving changes, one round trip each, index ranges (EXPLAIN), 400s.
 */
import { env } from "cloudflare:test";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { dailySql, forecastSql } from "../src/routes/study-history/study-history.handlers";
import { type ApiOptions, expectProblem, freshToken, api as rawApi, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const HOUR = 3_600_000;
const owners = new Map<string, TestUser>();
async function api(method: string, path: string, options: ApiOptions = {}) {
  const user = options.token ? owners.get(options.token) : undefined;
  return rawApi(method, path, { ...options, token: user ? await freshToken(user) : options.token });
}
async function newUser(timezone: string) {
  const user = await registerUser("history");
  owners.set(user.accessToken, user);
  await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
    .bind(Date.UTC(2036, 0, 1), user.id)
    .run();
  const res = await api("PATCH", "/api/v1/settings", { token: user.accessToken, body: { timezone, day_starts_at: 4 } });
  expect(res.status).toBe(200);
  return user;
}
async function createCards(user: TestUser, count: number): Promise<string[]> {
  const res = await api("POST", "/api/v1/flashcards", {
    token: user.accessToken,
    body: { flashcards: Array.from({ length: count }, (_, i) => ({ front: `Q${i}`, back: "A", source: "manual" })) },
  });
  expect(res.status).toBe(201);
  return res.body.data.map((card: { id: string }) => card.id);
}
type Log = { at: string; rating: number; state?: number; duration?: number | null };
/** Review-log rows straight into D1 (arrangement): rating 0 is a manual entry. */
async function seedLogs(user: TestUser, cardId: string, logs: Log[]) {
  const rows = logs.map((log) => ({
    id: crypto.randomUUID(),
    at: Date.parse(log.at),
    rating: log.rating,
    state: log.state ?? 2,
    duration: log.duration === undefined ? 1_000 : log.duration,
  }));
  await env.DB.prepare(
    `INSERT INTO review_logs (id, user_id, flashcard_id, rating, state, due, stability, difficulty, elapsed_days,
       last_elapsed_days, scheduled_days, learning_steps, next_due, duration_ms, reviewed_at)
     SELECT j.value ->> 'id', ?1, ?2, j.value ->> 'rating', j.value ->> 'state', j.value ->> 'at', 3, 5, 1, 1, 1, 0,
       j.value ->> 'at', j.value ->> 'duration', j.value ->> 'at'
     FROM json_each(?3) AS j`,
  )
    .bind(user.id, cardId, JSON.stringify(rows))
    .run();
}
const daily = (user: TestUser, query: string, options: ApiOptions = {}) =>
  api("GET", `/api/v1/stats/daily?${query}`, { token: user.accessToken, ...options });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("GET /stats/daily", () => {
  it("counts reviews per Warsaw day with a 4 a.m. start across spring-forward (23 h) and fall-back (25 h), in one round trip", async () => {
    vi.setSystemTime(Date.UTC(2026, 10, 1, 12));
    const user = await newUser("Europe/Warsaw");
    const [card] = (await createCards(user, 1)) as [string];
    await seedLogs(user, card, [
      // 28 March (CET, UTC+1) starts 03:00 UTC; 29 March starts 04:00 CEST = 02:00 UTC: the 28th lasts 23 h.
      { at: "2026-03-28T02:59:59Z", rating: 3 }, // still 27 March
      { at: "2026-03-28T03:00:00Z", rating: 1, state: 0, duration: 2_000 },
      { at: "2026-03-29T01:59:59Z", rating: 3, duration: null },
      { at: "2026-03-29T02:00:00Z", rating: 4, duration: 500 }, // 29 March
      { at: "2026-03-29T10:00:00Z", rating: 0 }, // a manual entry: not a review
      // 24 October starts 04:00 CEST = 02:00 UTC; 25 October starts 04:00 CET = 03:00 UTC: the 24th lasts 25 h.
      { at: "2026-10-25T02:30:00Z", rating: 2 }, // 03:30 CET: still 24 October
      { at: "2026-10-25T03:00:00Z", rating: 1 }, // 25 October
    ]);
    const { db, counter } = countingD1(env.DB);
    const res = await daily(user, "from=2026-03-27&to=2026-03-30", { env: { ...env, DB: db } });
    expect(res.status, res.text).toBe(200);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBeLessThanOrEqual(3);
    expect(res.body).toEqual({
      data: [
        { date: "2026-03-27", reviews: 1, again: 0, time_ms: 1_000, new_cards: 0 },
        { date: "2026-03-28", reviews: 2, again: 1, time_ms: 2_000, new_cards: 1 },
        { date: "2026-03-29", reviews: 1, again: 0, time_ms: 500, new_cards: 0 },
        { date: "2026-03-30", reviews: 0, again: 0, time_ms: 0, new_cards: 0 },
      ],
    });
    const autumn = await daily(user, "from=2026-10-24&to=2026-10-25");
    expect(autumn.body.data.map((d: { reviews: number; again: number }) => [d.reviews, d.again])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it("follows New York's day with a 4 a.m. start on the fall-back day (25 h) and the spring-forward day (23 h)", async () => {
    vi.setSystemTime(Date.UTC(2026, 10, 5, 12));
    const user = await newUser("America/New_York");
    const [card] = (await createCards(user, 1)) as [string];
    await seedLogs(user, card, [
      // 31 October starts 04:00 EDT = 08:00 UTC; 1 November starts 04:00 EST = 09:00 UTC.
      { at: "2026-10-31T07:59:59Z", rating: 3 },
      { at: "2026-10-31T08:00:00Z", rating: 3 },
      { at: "2026-11-01T08:59:59Z", rating: 3 },
      { at: "2026-11-01T09:00:00Z", rating: 3 },
      // 7 March starts 04:00 EST = 09:00 UTC; 8 March starts 04:00 EDT = 08:00 UTC (after the 2 a.m. jump).
      { at: "2026-03-08T07:59:59Z", rating: 3 },
      { at: "2026-03-08T08:00:00Z", rating: 3 },
    ]);
    const fall = await daily(user, "from=2026-10-30&to=2026-11-01");
    expect(fall.body.data.map((d: { reviews: number }) => d.reviews)).toEqual([1, 2, 1]);
    const spring = await daily(user, "from=2026-03-07&to=2026-03-08");
    expect(spring.body.data.map((d: { reviews: number }) => d.reviews)).toEqual([1, 1]);
  });

  it("answers 366 days and refuses 367, a reversed range, a bad or missing date and unknown parameters", async () => {
    vi.setSystemTime(Date.UTC(2026, 10, 1, 12));
    const user = await newUser("UTC");
    const year = await daily(user, "from=2024-01-01&to=2024-12-31");
    expect(year.status).toBe(200);
    expect(year.body.data).toHaveLength(366);
    for (const query of [
      "from=2024-01-01&to=2025-01-01",
      "from=2026-03-02&to=2026-03-01",
      "from=2026-02-30&to=2026-03-01",
      "from=2026-03-01",
      "to=2026-03-01",
      "from=2026-03-01&to=2026-03-02&x=1",
      "from=yesterday&to=2026-03-01",
    ]) {
      expectProblem(await daily(user, query), 400, "validation_failed");
    }
    expectProblem(await rawApi("GET", "/api/v1/stats/daily?from=2026-03-01&to=2026-03-02"), 401, "unauthorized");
  });
});

describe("GET /stats/forecast", () => {
  it("counts due cards per learner day from today (overdue today, suspended and new left out) in one round trip", async () => {
    // 10:00 in Warsaw on 2 November (CET): today started at 03:00 UTC.
    const now = Date.UTC(2026, 10, 2, 9);
    vi.setSystemTime(now);
    const user = await newUser("Europe/Warsaw");
    const ids = await createCards(user, 6);
    const due = (ms: number, id: string, extra = "") =>
      env.DB.prepare(`UPDATE flashcards SET state = 2, due = ? ${extra} WHERE id = ?`).bind(ms, id).run();
    await due(now - 30 * 24 * HOUR, ids[0] as string); // overdue: today
    await due(Date.UTC(2026, 10, 3, 2, 59), ids[1] as string); // before tomorrow's 04:00 CET: today
    await due(Date.UTC(2026, 10, 3, 3), ids[2] as string); // tomorrow
    await due(Date.UTC(2026, 10, 4, 12), ids[3] as string, ", suspended = 1"); // suspended: never counted
    await due(Date.UTC(2026, 10, 4, 12), ids[4] as string); // the day after
    // ids[5] stays new: not due.
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/stats/forecast?days=3", { token: user.accessToken, env: { ...env, DB: db } });
    expect(res.status, res.text).toBe(200);
    expect(counter.trips).toBe(1);
    expect(res.body).toEqual({
      data: [
        { date: "2026-11-02", due: 2 },
        { date: "2026-11-03", due: 1 },
        { date: "2026-11-04", due: 1 },
      ],
    });
    const month = await api("GET", "/api/v1/stats/forecast", { token: user.accessToken });
    expect(month.body.data).toHaveLength(30);
    expect((await api("GET", "/api/v1/stats/forecast?days=365", { token: user.accessToken })).status).toBe(200);
    for (const days of ["0", "366", "1.5", "-1", "abc", ""]) {
      expectProblem(
        await api("GET", `/api/v1/stats/forecast?days=${days}`, { token: user.accessToken }),
        400,
        "validation_failed",
      );
    }
  });
});

describe("query plans", () => {
  it("joins each day window to an index range: no scan of review_logs or flashcards", async () => {
    const dialect = new SQLiteAsyncDialect();
    const windows: [string, number, number][] = [
      ["2026-11-01", 0, 1],
      ["2026-11-02", 1, 2],
    ];
    for (const [statement, index] of [
      [dailySql("u", windows), "review_logs_user_reviewed_idx"],
      // Index-only since #19's offered-due index (suspended cards are not in it).
      [forecastSql("u", windows), "flashcards_user_due_offered_idx"],
    ] as const) {
      const query = dialect.sqlToQuery(statement);
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .bind(...query.params)
        .all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join("\n");
      expect(details).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
      expect(details).not.toMatch(/SCAN (l|f|review_logs|flashcards)\b(?! USING)/);
    }
  });
});
