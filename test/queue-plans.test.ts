/**
 * The study queue at 100,000 cards (#19: 100,000 ÷ 1,000 cards ≤ 1.5). The unscoped queue reads its due
 * cards and counts its due cards on the partial index of offered due cards (`state <> 0 AND
 * suspended = 0`, with `buried_until` in the key), so the count is index-only and suspended cards are
 * never visited. EXPLAIN QUERY PLAN without planner statistics and after ANALYZE, and D1's own
 * `rows_read` per statement (no timing): on the old plan (the `state <> 0` index, suspended and buried
 * read from each row) the count read every due row from the table, and 3,000 suspended overdue cards
 * were walked before the first offered one.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { buildQueueStatements, type QueueParams } from "../src/study/queue";
import { api, registerUser, type TestUser } from "./helpers/api";

const DAY = 86_400_000;
const CARDS = 100_000;
/** Suspended cards due before every offered one (the oldest overdue cards of the collection). */
const SUSPENDED_OVERDUE = 3_000;
/** Set to true to print every plan and row count (when a plan changes and you want to see it). */
const PRINT = false;

let user: TestUser;
const now = Date.now();

/**
 * A year of use (as the benchmark seeds it): the newest 20 % new, 100 cards in (re)learning due in the
 * last hour, the rest in review due over the next 100 days with 2 % overdue; plus the suspended
 * overdue cards and 50 buried due cards.
 */
async function seed(userId: string) {
  await env.DB.prepare(
    `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?1 - 1)
     INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state, suspended, buried_until)
     SELECT printf('card-%06d', i), ?2, 'front ' || i, 'front ' || i, 'back', 'manual', ?3 - i * 1000, ?3 - i * 1000,
       CASE WHEN i < ?1 / 5 THEN ?3 - i * 1000
            WHEN i % 1000 = 7 THEN ?3 - (i % 60) * 60000
            WHEN i >= ?1 - ?5 THEN ?3 - 400 * ?4 + i
            ELSE ?3 + ((i * 7919) % 100 - 2) * ?4 + ?4 / 2 END,
       CASE WHEN i < ?1 / 5 THEN 0 WHEN i % 1000 = 7 THEN 1 ELSE 2 END,
       CASE WHEN i >= ?1 - ?5 THEN 1 ELSE 0 END,
       CASE WHEN i % 1000 = 500 THEN ?3 + ?4 END
     FROM s`,
  )
    .bind(CARDS, userId, now, DAY, SUSPENDED_OVERDUE)
    .run();
}

const params: QueueParams = {
  now,
  limit: 20,
  dayStart: now - 3_600_000,
  newCardsPerDay: 20,
  reviewsPerDay: 9_999,
  scope: {},
};
const NAMES = [
  "due cards",
  "new cards",
  "due count",
  "learning count",
  "new count",
  "introduced today",
  "reviewed today",
];

/** Each unscoped queue statement's plan (one line), rows read and first row. */
async function profile() {
  const statements = buildQueueStatements(createDb(env.DB), user.id, params);
  const out: Record<string, { plan: string; rowsRead: number; first: unknown }> = {};
  for (const [i, statement] of statements.entries()) {
    const { sql, params: values } = statement.toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...values)
      .all<{ detail: string }>();
    const run = await env.DB.prepare(sql)
      .bind(...values)
      .all();
    out[NAMES[i] as string] = {
      plan: plan.results.map((r) => r.detail).join(" | "),
      rowsRead: run.meta.rows_read,
      first: Object.values(run.results[0] ?? {})[0],
    };
  }
  if (PRINT) expect(out).toEqual({});
  return out;
}

/** The offered due cards, counted by a full recount. */
const offeredDue = async () =>
  (
    await env.DB.prepare(
      "SELECT count(*) AS n FROM flashcards WHERE user_id = ?1 AND state <> 0 AND due <= ?2 AND suspended = 0 AND (buried_until IS NULL OR buried_until <= ?2)",
    )
      .bind(user.id, now)
      .first<{ n: number }>()
  )?.n;

beforeAll(async () => {
  user = await registerUser("queue-plans");
  // A neighbour's card due first, so a missing user_id condition would show.
  const neighbour = await registerUser("queue-plans-neighbour");
  await env.DB.prepare(
    `INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state)
     VALUES ('n-1', ?1, 'f', 'f', 'b', 'manual', 1, 1, 1, 2)`,
  )
    .bind(neighbour.id)
    .run();
  await seed(user.id);
}, 120_000);

describe("the study queue at 100,000 cards", () => {
  for (const statistics of ["without statistics", "after ANALYZE"] as const) {
    it(`counts and reads due cards on the offered-due index (${statistics})`, async () => {
      if (statistics === "after ANALYZE") await env.DB.prepare("ANALYZE").run();
      const plans = await profile();
      for (const [name, { plan }] of Object.entries(plans))
        expect(plan, name).not.toMatch(/SCAN flashcards\b(?! USING)/);
      expect(plans["due cards"]?.plan).toContain("flashcards_user_due_offered_idx");
      expect(plans["due count"]?.plan).toContain("USING COVERING INDEX flashcards_user_due_offered_idx");
      expect(plans["learning count"]?.plan).toContain("USING COVERING INDEX flashcards_user_learning_offered_idx");
      // Bounded reads: the page and the capped count stop at 20; suspended cards are never visited.
      expect(plans["due cards"]?.rowsRead).toBeLessThanOrEqual(20 + 10);
      expect(plans["new cards"]?.rowsRead).toBeLessThanOrEqual(20 + 1);
      expect(plans["new count"]?.rowsRead).toBeLessThanOrEqual(20 + 1);
      // The count reads one index entry per offered due card (and the buried ones among them), not the
      // suspended ones: the old plan read 3,000 more.
      const due = await offeredDue();
      expect(plans["due count"]?.first).toBe(due);
      expect(plans["due count"]?.rowsRead).toBeLessThanOrEqual((due ?? 0) + 100);
    });
  }

  it("answers the queue with the offered due cards first and counts from a recount", async () => {
    const res = await api("GET", "/api/v1/study/queue", { token: user.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(res.body.counts.due).toBe(await offeredDue());
    const ids = await env.DB.prepare(
      "SELECT id FROM flashcards WHERE user_id = ?1 AND state <> 0 AND due <= ?2 AND suspended = 0 AND (buried_until IS NULL OR buried_until <= ?2) ORDER BY due, id LIMIT 20",
    )
      .bind(user.id, Date.now())
      .all<{ id: string }>();
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual(ids.results.map((r) => r.id));
    expect(res.body.data.every((c: { study: { suspended: boolean } }) => !c.study.suspended)).toBe(true);
  });
});
