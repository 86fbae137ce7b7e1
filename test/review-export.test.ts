/**
 * GET /reviews/export.csv: the FSRS optimizer's layout, read back column by column from a seeded
 * history; paging within the D1 query budgets; the page query on its index; manual entries left out.
 */
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { type Card, createEmptyCard, fsrs, generatorParameters, Rating } from "ts-fsrs";
import { beforeAll, describe, expect, it } from "vitest";
import { REVIEW_CSV_PAGE, reviewCsvPage } from "../src/routes/review-export/review-export.handlers";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const HEADER = "card_id,review_time,review_rating,review_state,review_duration";
const rowsOf = (text: string) => text.split("\r\n").filter((line) => line !== "");

let other: TestUser;
beforeAll(async () => {
  other = await registerUser("review-export-other");
});

async function createCards(user: TestUser, count: number): Promise<any[]> {
  const res = await api("POST", "/api/v1/flashcards", {
    token: user.accessToken,
    body: { flashcards: Array.from({ length: count }, (_, i) => ({ front: `Q${i}`, back: "A", source: "manual" })) },
  });
  expect(res.status).toBe(201);
  return res.body.data;
}

/** Inserts `count` plain review rows for one card straight into D1 (fast arrangement for paging). */
async function seedReviews(userId: string, cardId: string, count: number, from: number) {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?3 - 1)
     INSERT INTO review_logs (id, user_id, flashcard_id, rating, state, due, stability, difficulty, elapsed_days,
       last_elapsed_days, scheduled_days, learning_steps, next_due, duration_ms, reviewed_at)
     SELECT lower(hex(randomblob(16))), ?1, ?2, 1 + i % 4, 2, ?4 + i * 1000, 3, 5, 1, 1, 1, 0, ?4 + i * 1000, i, ?4 + i * 1000
     FROM n`,
  )
    .bind(userId, cardId, count, from)
    .run();
}

describe("GET /reviews/export.csv", () => {
  it("reads back a seeded history column by column: card, time in ms, rating 1-4, state before, duration", async () => {
    const user = await registerUser("review-export");
    const [a, b] = await createCards(user, 2);
    const t0 = Date.UTC(2026, 9, 1, 8);
    // Card a: good, good (10 minutes later), again (2 days later); card b: easy without a duration.
    const sent = [
      { card: a.id, rating: "good", at: t0, duration: 4_100 },
      { card: b.id, rating: "easy", at: t0 + 60_000, duration: undefined },
      { card: a.id, rating: "good", at: t0 + 10 * 60_000, duration: 2_500 },
      { card: a.id, rating: "again", at: t0 + 2 * 86_400_000, duration: 9_000 },
    ];
    for (const review of sent) {
      const res = await api("POST", "/api/v1/reviews/batch", {
        token: user.accessToken,
        body: {
          reviews: [
            {
              id: crypto.randomUUID(),
              flashcard_id: review.card,
              rating: review.rating,
              reviewed_at: new Date(review.at).toISOString(),
              ...(review.duration === undefined ? {} : { duration_ms: review.duration }),
            },
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.results[0].status).toBe("applied");
    }
    // A manual entry (forget) and another user's reviews never appear.
    expect((await api("POST", `/api/v1/flashcards/${b.id}/forget`, { token: user.accessToken, body: {} })).status).toBe(
      200,
    );
    const [foreign] = await createCards(other, 1);
    await seedReviews(other.id, foreign.id, 3, t0);

    // The state before each review, as ts-fsrs computes it from a new card (default settings).
    const scheduler = fsrs(generatorParameters());
    const grade = { good: Rating.Good, easy: Rating.Easy, again: Rating.Again } as const;
    const cards = new Map<string, Card>();
    const expected = sent.map((review) => {
      const card: Card = cards.get(review.card) ?? (createEmptyCard(new Date(review.at)) as Card);
      const { card: next, log } = scheduler.next(card, new Date(review.at), grade[review.rating as keyof typeof grade]);
      cards.set(review.card, next);
      return [review.card, String(review.at), String(log.rating), String(log.state), String(review.duration ?? 0)];
    });

    const res = await api("GET", "/api/v1/reviews/export.csv", { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="reviews.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    const [header, ...lines] = rowsOf(res.text);
    expect(header).toBe(HEADER);
    const columns = lines.map((line) => line.split(","));
    expect(columns).toHaveLength(4);
    for (const [i, row] of columns.entries()) {
      const [cardId, time, rating, state, duration] = expected[i] as string[];
      expect(row[0], `row ${i} card_id`).toBe(cardId);
      expect(row[1], `row ${i} review_time`).toBe(time);
      expect(row[2], `row ${i} review_rating`).toBe(rating);
      expect(row[3], `row ${i} review_state`).toBe(state);
      expect(row[4], `row ${i} review_duration`).toBe(duration);
    }
    // States before: new, new, learning, review (a's third review after its graduation).
    expect(columns.map((row) => row[3])).toEqual(["0", "0", "1", "2"]);
  });

  it("pages 10,001 reviews within Free's 50 queries, one page in memory, and 1,000,000 fit Paid's 1,000", async () => {
    const user = await registerUser("review-export-pages");
    const [card] = await createCards(user, 1);
    await seedReviews(user.id, card.id, 2 * REVIEW_CSV_PAGE + 1, Date.UTC(2025, 0, 1));
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/reviews/export.csv", { token: user.accessToken, env: { ...env, DB: db } });
    expect(res.status).toBe(200);
    const lines = rowsOf(res.text);
    expect(lines).toHaveLength(2 * REVIEW_CSV_PAGE + 2);
    const times = lines.slice(1).map((line) => Number(line.split(",")[1]));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(lines.slice(1).map((line) => line.split(",")[2]))).toEqual(new Set(["1", "2", "3", "4"]));
    // Gate + first page in one round trip, then two more pages; the short third page ends it.
    expect(counter.trips).toBe(3);
    expect(counter.statements).toBeLessThan(50);
    // The same arithmetic for a million reviews: the gate, then a page per 5,000 rows (+1 short page).
    expect(1 + Math.floor(1_000_000 / REVIEW_CSV_PAGE) + 1).toBeLessThan(1_000);
  });

  it("reads each page on (user_id, reviewed_at) without sorting", async () => {
    const user = await registerUser("review-export-plan");
    const db = drizzle(env.DB);
    for (const after of [null, { reviewedAt: 0, rowid: 0 }]) {
      const query = reviewCsvPage(db, user.id, after).toSQL();
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .bind(...query.params)
        .all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join("\n");
      expect(details).toContain("USING INDEX review_logs_user_reviewed_idx");
      expect(details).not.toContain("TEMP B-TREE");
    }
  });

  it("answers an empty log with the header, 401 without a token and 400 to a query parameter", async () => {
    const user = await registerUser("review-export-empty");
    const res = await api("GET", "/api/v1/reviews/export.csv", { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.text).toBe(`${HEADER}\r\n`);
    expectProblem(await api("GET", "/api/v1/reviews/export.csv"), 401, "unauthorized");
    expectProblem(
      await api("GET", "/api/v1/reviews/export.csv?since=1", { token: user.accessToken }),
      400,
      "validation_failed",
    );
  });
});
