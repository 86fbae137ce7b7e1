import { env } from "cloudflare:test";
import { type Card, createEmptyCard, fsrs, generatorParameters, Rating } from "ts-fsrs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ApiOptions,
  createCards,
  expectProblem,
  freshToken,
  api as rawApi,
  registerUser,
  type TestUser,
} from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0); // a Monday morning, UTC

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const at = (ms: number) => vi.setSystemTime(ms);
/** Calls the API with a token signed at the faked time (the clock moves by days here). */
async function api(method: string, path: string, options: ApiOptions & { token?: string } = {}) {
  if (!options.token) return rawApi(method, path, options);
  const user = tokenOwners.get(options.token);
  return rawApi(method, path, { ...options, token: user ? await freshToken(user) : options.token });
}
const tokenOwners = new Map<string, TestUser>();
async function newUser(prefix?: string) {
  const user = await registerUser(prefix);
  tokenOwners.set(user.accessToken, user);
  // The clock travels for months here; keep the session (30 days) alive for the journey.
  await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
    .bind(T0 + 3650 * DAY, user.id)
    .run();
  return user;
}
const review = (
  user: TestUser,
  id: string,
  rating: string,
  extra: Record<string, unknown> = {},
  options: { env?: Cloudflare.Env } = {},
) =>
  api("POST", `/api/v1/flashcards/${id}/reviews`, { token: user.accessToken, body: { rating, ...extra }, ...options });
const queue = (user: TestUser, query = "", options: { env?: Cloudflare.Env } = {}) =>
  api("GET", `/api/v1/study/queue${query}`, { token: user.accessToken, ...options });

/** The card a client sees, as the ts-fsrs input it stands for. */
function asFsrsCard(study: any): Card {
  return {
    due: new Date(study.due),
    stability: study.stability,
    difficulty: study.difficulty,
    elapsed_days: study.elapsed_days,
    scheduled_days: study.scheduled_days,
    learning_steps: study.learning_steps,
    reps: study.reps,
    lapses: study.lapses,
    state: ["new", "learning", "review", "relearning"].indexOf(study.state),
    last_review: study.last_review ? new Date(study.last_review) : undefined,
  };
}
const scheduler = fsrs(generatorParameters({ request_retention: 0.9, maximum_interval: 36500, enable_fuzz: true }));

describe("POST /flashcards/:id/reviews", () => {
  it("schedules a new card's first 'good' exactly as ts-fsrs does with the same inputs", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    expect(card.study).toMatchObject({ state: "new", due: new Date(T0).toISOString(), reps: 0 });
    const reviewedAt = T0 + 5 * 60_000;
    at(reviewedAt);
    const res = await review(user, card.id, "good", { duration_ms: 4200 });
    expect(res.status).toBe(200);
    const expected = scheduler.next(createEmptyCard(new Date(T0)), new Date(reviewedAt), Rating.Good);
    expect(res.body.flashcard.study).toEqual({
      state: ["new", "learning", "review", "relearning"][expected.card.state],
      due: expected.card.due.toISOString(),
      stability: expected.card.stability,
      difficulty: expected.card.difficulty,
      elapsed_days: expected.card.elapsed_days,
      scheduled_days: expected.card.scheduled_days,
      learning_steps: expected.card.learning_steps,
      reps: 1,
      lapses: 0,
      last_review: new Date(reviewedAt).toISOString(),
      suspended: false,
      buried_until: null,
      leech: false,
    });
    expect(res.body.review).toEqual({
      id: expect.any(String),
      flashcard_id: card.id,
      session_id: null,
      rating: "good",
      state_before: "new",
      due_before: new Date(T0).toISOString(),
      stability: expected.log.stability,
      difficulty: expected.log.difficulty,
      elapsed_days: expected.log.elapsed_days,
      last_elapsed_days: expected.log.last_elapsed_days,
      scheduled_days: expected.log.scheduled_days,
      learning_steps: expected.log.learning_steps,
      next_due: expected.card.due.toISOString(),
      duration_ms: 4200,
      reviewed_at: new Date(reviewedAt).toISOString(),
    });
    const stored = await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
    expect(stored.body.study).toEqual(res.body.flashcard.study);
  });

  it("follows ts-fsrs through several reviews and counts a lapse on 'again' in review state", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    let expected = createEmptyCard(new Date(T0));
    let now = T0;
    for (const [rating, grade] of [
      ["easy", Rating.Easy],
      ["good", Rating.Good],
    ] as const) {
      now = Math.max(now + 60_000, expected.due.getTime());
      at(now);
      const res = await review(user, card.id, rating);
      expected = scheduler.next(expected, new Date(now), grade).card;
      expect(res.body.flashcard.study.due).toBe(expected.due.toISOString());
      expect(res.body.flashcard.study.stability).toBe(expected.stability);
    }
    expect(expected.state).toBe(2);
    now = expected.due.getTime() + DAY;
    at(now);
    const lapse = await review(user, card.id, "again");
    const afterLapse = scheduler.next(expected, new Date(now), Rating.Again).card;
    expect(lapse.body.flashcard.study).toMatchObject({
      state: "relearning",
      lapses: 1,
      reps: 3,
      due: afterLapse.due.toISOString(),
    });
    expect(lapse.body.review.state_before).toBe("review");
  });

  it("gives one success and one 409 for two simultaneous reviews, and counts reps once", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    const results = await Promise.all([review(user, card.id, "good"), review(user, card.id, "hard")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expectProblem(results.find((r) => r.status === 409)!, 409, "review_conflict");
    const stored = await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
    expect(stored.body.study.reps).toBe(1);
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?")
      .bind(card.id)
      .first<{ n: number }>();
    expect(logs?.n).toBe(1);
  });

  it("costs one read and one write round trip", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    const { db, counter } = countingD1(env.DB);
    expect((await review(user, card.id, "good", {}, { env: { ...env, DB: db } })).status).toBe(200);
    expect(counter.trips).toBe(2);
  });

  it("rejects bad ratings, fields and ids", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    for (const body of [
      { rating: "perfect" },
      { rating: 3 },
      {},
      { rating: "good", extra: 1 },
      { rating: "good", duration_ms: -1 },
      { rating: "good", session_id: "x" },
    ]) {
      expectProblem(
        await api("POST", `/api/v1/flashcards/${card.id}/reviews`, { token: user.accessToken, body }),
        400,
        "validation_failed",
      );
    }
    expectProblem(await review(user, "not-a-uuid", "good"), 400, "validation_failed");
    expectProblem(await review(user, crypto.randomUUID(), "good"), 404, "not_found");
    expectProblem(await review(user, card.id, "good", { session_id: crypto.randomUUID() }), 404, "not_found");
  });
});

describe("another user's cards and sessions", () => {
  it("answers 404 to review, preview, history and session access, and changes nothing", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const [card] = await createCards(alice, 1);
    const session = await api("POST", "/api/v1/study-sessions", { token: alice.accessToken, body: {} });
    const sessionId = session.body.session.id;
    expectProblem(await review(bob, card.id, "good"), 404, "not_found");
    expectProblem(
      await review(bob, (await createCards(bob, 1))[0].id, "good", { session_id: sessionId }),
      404,
      "not_found",
    );
    for (const path of [
      `/api/v1/flashcards/${card.id}/schedule-preview`,
      `/api/v1/flashcards/${card.id}/reviews`,
      `/api/v1/study-sessions/${sessionId}`,
    ]) {
      expectProblem(await api("GET", path, { token: bob.accessToken }), 404, "not_found");
    }
    expectProblem(
      await api("POST", `/api/v1/study-sessions/${sessionId}/finish`, { token: bob.accessToken }),
      404,
      "not_found",
    );
    const stored = await api("GET", `/api/v1/flashcards/${card.id}`, { token: alice.accessToken });
    expect(stored.body.study.reps).toBe(0);
    expect(
      (await api("GET", `/api/v1/study-sessions/${sessionId}`, { token: alice.accessToken })).body.finished_at,
    ).toBeNull();
  });
});

describe("GET /flashcards/:id/schedule-preview and /reviews", () => {
  it("previews each rating as ts-fsrs would, without writing", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    at(T0 + 60_000);
    const res = await api("GET", `/api/v1/flashcards/${card.id}/schedule-preview`, { token: user.accessToken });
    expect(res.status).toBe(200);
    const preview = scheduler.repeat(asFsrsCard(card.study), new Date(T0 + 60_000));
    expect(res.body.good.due).toBe(preview[Rating.Good].card.due.toISOString());
    expect(res.body.again.due).toBe(preview[Rating.Again].card.due.toISOString());
    expect(Object.keys(res.body).sort()).toEqual(["again", "easy", "good", "hard"]);
    expect(new Date(res.body.easy.due) > new Date(res.body.again.due)).toBe(true);
    expect((await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken })).body.study.reps).toBe(0);
  });

  it("lists the history newest first with paging, and deletes it with the card", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    for (let i = 0; i < 3; i++) {
      at(T0 + (i + 1) * DAY);
      expect((await review(user, card.id, ["hard", "good", "easy"][i]!)).status).toBe(200);
    }
    const page = await api("GET", `/api/v1/flashcards/${card.id}/reviews?limit=2`, { token: user.accessToken });
    expect(page.body.data.map((r: any) => r.rating)).toEqual(["easy", "good"]);
    const rest = await api(
      "GET",
      `/api/v1/flashcards/${card.id}/reviews?limit=2&cursor=${page.body.pagination.next_cursor}`,
      { token: user.accessToken },
    );
    expect(rest.body.data.map((r: any) => r.rating)).toEqual(["hard"]);
    expect(rest.body.pagination.has_more).toBe(false);
    await api("DELETE", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?")
      .bind(card.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("GET /study/queue", () => {
  it("puts due cards first, most overdue first, then new cards up to the daily limit, across days", async () => {
    const user = await newUser();
    const limited = { ...env, NEW_CARDS_PER_DAY: "3" };
    const cards = await createCards(user, 6);
    // Day 0: introduce three cards with different ratings.
    at(T0 + 60_000);
    for (const [i, rating] of [
      [0, "easy"],
      [1, "good"],
      [2, "again"],
    ] as const)
      expect((await review(user, cards[i].id, rating)).status).toBe(200);
    const today = await queue(user, "", { env: limited });
    // Three new cards were introduced today: no new cards left today.
    expect(today.body.counts.new).toBe(0);
    expect(today.body.data.every((c: any) => c.study.state !== "new")).toBe(true);
    // Day 30: everything reviewed is due; the most overdue comes first; 3 new cards follow.
    at(T0 + 30 * DAY);
    const later = await queue(user, "?limit=10", { env: limited });
    const due = later.body.data.filter((c: any) => c.study.state !== "new");
    expect(due.map((c: any) => c.study.due)).toEqual([...due.map((c: any) => c.study.due)].sort());
    expect(due).toHaveLength(3);
    // New cards come oldest first; these three were created together (ties broken by id).
    expect(
      later.body.data
        .slice(3)
        .map((c: any) => c.id)
        .sort(),
    ).toEqual([cards[3].id, cards[4].id, cards[5].id].sort());
    expect(later.body.counts).toEqual({ due: 3, new: 3, learning: expect.any(Number) });
    // The limit cuts the list, due first.
    const two = await queue(user, "?limit=2", { env: limited });
    expect(two.body.data).toHaveLength(2);
    expect(two.body.data.every((c: any) => c.study.state !== "new")).toBe(true);
  });

  it("reports learning cards and reads in one round trip", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 2);
    at(T0 + 60_000);
    await review(user, card.id, "again");
    at(T0 + DAY);
    const { db, counter } = countingD1(env.DB);
    const res = await queue(user, "", { env: { ...env, DB: db } });
    expect(counter.trips).toBe(1);
    expect(res.body.counts).toEqual({ due: 1, new: 1, learning: 1 });
    expect(res.body.data.map((c: any) => c.id)[0]).toBe(card.id);
  });

  it("rejects a bad limit", async () => {
    const user = await newUser();
    for (const q of ["?limit=0", "?limit=101", "?limit=x", "?foo=1"])
      expectProblem(await queue(user, q), 400, "validation_failed");
  });
});

describe("study sessions", () => {
  it("plans a session from the queue, tracks progress and finishes with results that add up", async () => {
    const user = await newUser();
    await createCards(user, 6);
    const started = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 4 } });
    expect(started.status).toBe(201);
    const session = started.body.session;
    expect(session.cards).toHaveLength(4);
    const ratings = ["again", "good", "good", "easy"];
    for (const [i, c] of session.cards.slice(0, 3).entries()) {
      at(T0 + (i + 1) * 60_000);
      expect(
        (await review(user, c.id, ratings[i]!, { session_id: session.id, duration_ms: 1000 * (i + 1) })).status,
      ).toBe(200);
    }
    const progress = await api("GET", `/api/v1/study-sessions/${session.id}`, { token: user.accessToken });
    expect(progress.body).toMatchObject({
      total: 4,
      reviewed: 3,
      remaining: 1,
      cards_remaining: [session.cards[3].id],
      finished_at: null,
    });
    at(T0 + 10 * 60_000);
    const finished = await api("POST", `/api/v1/study-sessions/${session.id}/finish`, { token: user.accessToken });
    expect(finished.status).toBe(200);
    const r = finished.body.results;
    expect(r).toEqual({
      reviewed: 3,
      again: 1,
      hard: 0,
      good: 2,
      easy: 0,
      duration_ms: 6000,
      next_due: expect.any(String),
    });
    expect(r.again + r.hard + r.good + r.easy).toBe(r.reviewed);
    const cards = await Promise.all(
      session.cards.map((c: any) => api("GET", `/api/v1/flashcards/${c.id}`, { token: user.accessToken })),
    );
    const earliest = cards.map((c) => c.body.study.due).sort()[0];
    expect(r.next_due).toBe(earliest);
    expect(finished.body.session.finished_at).toBe(new Date(T0 + 10 * 60_000).toISOString());
    expectProblem(
      await api("POST", `/api/v1/study-sessions/${session.id}/finish`, { token: user.accessToken }),
      409,
      "session_finished",
    );
    expectProblem(await review(user, session.cards[3].id, "good", { session_id: session.id }), 409, "session_finished");
  });

  it("uses the elapsed time when no durations were sent, and validates input", async () => {
    const user = await newUser();
    await createCards(user, 1);
    const s = (await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} })).body.session;
    at(T0 + 90_000);
    const done = await api("POST", `/api/v1/study-sessions/${s.id}/finish`, { token: user.accessToken });
    expect(done.body.results).toMatchObject({ reviewed: 0, duration_ms: 90_000 });
    for (const body of [{ limit: 0 }, { limit: 101 }, { limit: "5" }, { cards: [] }]) {
      expectProblem(
        await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body }),
        400,
        "validation_failed",
      );
    }
    expectProblem(
      await api("GET", "/api/v1/study-sessions/nope", { token: user.accessToken }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api("GET", `/api/v1/study-sessions/${crypto.randomUUID()}`, { token: user.accessToken }),
      404,
      "not_found",
    );
  });
});

describe("GET /stats", () => {
  it("counts cards by state, today's reviews, retention and the streak", async () => {
    const user = await newUser();
    const cards = await createCards(user, 4);
    // Reviews on three consecutive UTC days, the last one today.
    at(T0 + 60_000);
    expect((await review(user, cards[0].id, "easy")).body.flashcard.study.state).toBe("review");
    at(T0 + DAY);
    await review(user, cards[1].id, "good");
    at(T0 + 2 * DAY);
    // An early review of a card in review state, remembered; and a new card forgotten.
    expect((await review(user, cards[0].id, "good")).body.review.state_before).toBe("review");
    await review(user, cards[2].id, "again");
    at(T0 + 2 * DAY + 3_600_000);
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/stats", { token: user.accessToken, env: { ...env, DB: db } });
    expect(counter.trips).toBe(1);
    expect(res.status).toBe(200);
    const cardsNow = await Promise.all(
      cards.map((c) => api("GET", `/api/v1/flashcards/${c.id}`, { token: user.accessToken })),
    );
    // The learner's day (default: UTC, starting at 4 a.m.) ends at 04:00 UTC tomorrow.
    const endOfToday = Date.UTC(2026, 10, 5, 4);
    const dueToday = cardsNow.filter(
      (c) => c.body.study.state !== "new" && Date.parse(c.body.study.due) < endOfToday,
    ).length;
    expect(res.body).toEqual({
      total_cards: 4,
      by_state: {
        new: 1,
        learning: cardsNow.filter((c) => c.body.study.state === "learning").length,
        review: cardsNow.filter((c) => c.body.study.state === "review").length,
        relearning: 0,
      },
      due_today: dueToday,
      reviews_today: 2,
      retention_last_30_days: 1,
      retention: { young: 1, mature: null },
      streak_days: 3,
    });
  });

  it("breaks the streak after a day without reviews", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    at(T0 + 60_000);
    await review(user, card.id, "good");
    at(T0 + 3 * DAY);
    const res = await api("GET", "/api/v1/stats", { token: user.accessToken });
    expect(res.body).toMatchObject({ streak_days: 0, reviews_today: 0, retention_last_30_days: null, total_cards: 1 });
  });
});

describe("query plans", () => {
  it("keeps the queue and the history on their indexes (EXPLAIN QUERY PLAN)", async () => {
    const { createDb } = await import("../src/db/client");
    const { buildQueueStatements } = await import("../src/study/queue");
    const db = createDb(env.DB);
    const plans: string[] = [];
    for (const statement of buildQueueStatements(db, "user-1", {
      scope: {},
      now: T0,
      limit: 20,
      dayStart: T0 - 5 * 3_600_000,
      newCardsPerDay: 20,
      reviewsPerDay: 9_999,
    })) {
      const { sql, params } = statement.toSQL();
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      plans.push(rows.results.map((r) => r.detail).join(" | "));
    }
    const [due, fresh, dueCount, learning, newCount, today, reviewedToday] = plans;
    // Offered due cards only (not suspended), with the count index-only (test/queue-plans.test.ts at scale).
    expect(due).toMatch(/USING INDEX flashcards_user_due_offered_idx/);
    expect(fresh).toMatch(/USING INDEX flashcards_user_new_idx/);
    expect(dueCount).toMatch(/COVERING INDEX flashcards_user_due_offered_idx/);
    expect(learning).toMatch(/COVERING INDEX flashcards_user_learning_offered_idx/);
    expect(newCount).toMatch(/flashcards_user_new_idx/);
    expect(today).toMatch(/COVERING INDEX review_logs_user_first_reviews_idx/);
    expect(reviewedToday).toMatch(/COVERING INDEX review_logs_user_reviewed_idx/);
    for (const plan of plans) {
      expect(plan).not.toMatch(/SCAN (flashcards|review_logs)\b(?! USING)/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });
});

describe("POST /study-sessions in one round trip", () => {
  it("stores exactly the queue it returns (due first, then new within today's allowance)", async () => {
    const user = await newUser();
    const cards = await createCards(user, 8);
    at(T0 + 60_000);
    for (const c of cards.slice(0, 3)) expect((await review(user, c.id, "again")).status).toBe(200);
    at(T0 + DAY);
    const limited = { ...env, NEW_CARDS_PER_DAY: "2" };
    const { db, counter } = countingD1(env.DB);
    const started = await api("POST", "/api/v1/study-sessions", {
      token: user.accessToken,
      body: { limit: 4 },
      env: { ...limited, DB: db },
    });
    expect(started.status).toBe(201);
    expect(counter.trips).toBe(1);
    const returned = started.body.session.cards.map((c: any) => c.id);
    // Three due cards and one new card: the limit leaves room for one of the two new allowed today.
    expect(started.body.session.cards.map((c: any) => c.study.state)).toEqual([
      "learning",
      "learning",
      "learning",
      "new",
    ]);
    const row = await env.DB.prepare("SELECT card_ids FROM study_sessions WHERE id = ?")
      .bind(started.body.session.id)
      .first<{ card_ids: string }>();
    expect(JSON.parse(row!.card_ids)).toEqual(returned);
    const progress = await api("GET", `/api/v1/study-sessions/${started.body.session.id}`, { token: user.accessToken });
    expect(progress.body).toMatchObject({ total: 4, reviewed: 0, remaining: 4, cards_remaining: returned });
    // With nothing due and nothing new allowed, the session is empty but valid.
    const other = await newUser();
    const empty = await api("POST", "/api/v1/study-sessions", { token: other.accessToken, body: {} });
    expect(empty.body.session.cards).toEqual([]);
    const emptyRow = await env.DB.prepare("SELECT card_ids FROM study_sessions WHERE id = ?")
      .bind(empty.body.session.id)
      .first<{ card_ids: string }>();
    expect(JSON.parse(emptyRow!.card_ids)).toEqual([]);
  });
});
