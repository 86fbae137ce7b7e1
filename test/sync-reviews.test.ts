/**
 * Offline study: reviews at the client's time (POST /flashcards/:id/reviews with `id` and `reviewed_at`,
 * POST /reviews/batch), idempotent by client id, out-of-order arrival replayed, and exact undo
 * (DELETE /flashcards/:id/reviews/latest).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import {
  cardRow,
  createCardsAt,
  expectedCard,
  type RatingName,
  reviewRows,
  studyJson,
  uploadBatch,
} from "./helpers/study-fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RATINGS: RatingName[] = ["again", "hard", "good", "easy"];

/** A deterministic pseudo-random sequence (no flaky tests). */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

type Planned = { id: string; flashcard_id: string; rating: RatingName; reviewed_at: string; duration_ms?: number };

/** `count` reviews over `cards`, spread over `spanMs` starting at `start`, ascending in time. */
function plan(cards: string[], count: number, start: number, spanMs: number, seed = 7): Planned[] {
  const random = lcg(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    flashcard_id: cards[i % cards.length] as string,
    rating: RATINGS[Math.floor(random() * 4)] as RatingName,
    reviewed_at: new Date(start + Math.floor((spanMs * (i + random())) / count)).toISOString(),
    duration_ms: 1000 + Math.floor(random() * 9000),
  }));
}

const timesFor = (reviews: Planned[], card: string) =>
  reviews.filter((r) => r.flashcard_id === card).map((r) => ({ rating: r.rating, at: Date.parse(r.reviewed_at) }));

async function studyOf(user: TestUser, id: string) {
  const res = await api("GET", `/api/v1/flashcards/${id}`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return res.body.study;
}

describe("POST /reviews/batch: a day offline", () => {
  it("60 reviews over 8 hours give the card states ts-fsrs gives applied in order at those times", async () => {
    const user = await registerUser("offline");
    const createdAt = Date.now() - 3 * DAY;
    const cards = await createCardsAt(user, 12, createdAt);
    const dayStart = Date.now() - 10 * HOUR;
    const reviews = plan(cards, 60, dayStart, 8 * HOUR);
    // Sent shuffled: the server orders each card's reviews by reviewed_at.
    const shuffled = [...reviews].sort((a, b) => a.id.localeCompare(b.id));
    const res = await uploadBatch(user, shuffled);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual(shuffled.map((r) => r.id));
    expect(res.body.results.every((r: { status: string }) => r.status === "applied")).toBe(true);
    for (const card of cards) {
      expect(await studyOf(user, card)).toEqual(studyJson(expectedCard(createdAt, timesFor(reviews, card))));
      // Each applied result carries the card's final state.
      const last = res.body.results.filter((_: unknown, i: number) => shuffled[i]?.flashcard_id === card).at(-1);
      expect(last.flashcard.study).toEqual(await studyOf(user, card));
    }
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE user_id = ?").bind(user.id).first();
    expect(logs).toEqual({ n: 60 });
  });

  it("costs two round trips and a handful of statements for 500 reviews of 100 cards", async () => {
    const user = await registerUser("trips");
    const cards = await createCardsAt(user, 100, Date.now() - 5 * DAY);
    const reviews = plan(cards, 500, Date.now() - 4 * DAY, 3 * DAY);
    const { db, counter } = countingD1(env.DB);
    const res = await uploadBatch(user, reviews, { env: { ...env, DB: db } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.filter((r: { status: string }) => r.status === "applied")).toHaveLength(500);
    expect(counter.trips).toBe(2);
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(counter.statements).toBe(10); // read: gate + settings + 5, write: gate + insert + card update
  });
});

describe("POST /reviews/batch: idempotency", () => {
  it("the same batch sent twice applies once; the second answer is all duplicate", async () => {
    const user = await registerUser("twice");
    const cards = await createCardsAt(user, 3, Date.now() - 2 * DAY);
    const reviews = plan(cards, 9, Date.now() - 6 * HOUR, 4 * HOUR);
    const first = await uploadBatch(user, reviews);
    const before = await Promise.all(cards.map(cardRow));
    const second = await uploadBatch(user, reviews);
    expect(second.status).toBe(200);
    expect(second.body.results.map((r: { status: string }) => r.status)).toEqual(reviews.map(() => "duplicate"));
    expect(second.body.results.map((r: { flashcard: unknown }) => r.flashcard)).toEqual(
      reviews.map(
        (r) =>
          first.body.results.findLast(
            (x: { id: string }, i: number) => reviews[i]?.flashcard_id === r.flashcard_id && x,
          ).flashcard,
      ),
    );
    expect(await Promise.all(cards.map(cardRow))).toEqual(before);
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE user_id = ?").bind(user.id).first();
    expect(logs).toEqual({ n: 9 });
  });

  it("the same batch sent twice at once applies once: the loser answers duplicate, not a conflict", async () => {
    const user = await registerUser("race");
    const cards = await createCardsAt(user, 4, Date.now() - 2 * DAY);
    const reviews = plan(cards, 16, Date.now() - 6 * HOUR, 4 * HOUR);
    const answers = await Promise.all([1, 2, 3].map(() => uploadBatch(user, reviews)));
    for (const res of answers) expect(res.status, res.text).toBe(200);
    for (let i = 0; i < reviews.length; i++) {
      const statuses = answers.map((res) => res.body.results[i].status).sort();
      expect(statuses.filter((s) => s === "applied").length, `review ${i}: ${statuses}`).toBeLessThanOrEqual(1);
      expect(
        statuses.every((s) => s === "applied" || s === "duplicate"),
        `review ${i}: ${statuses}`,
      ).toBe(true);
    }
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE user_id = ?").bind(user.id).first();
    expect(logs).toEqual({ n: 16 });
    for (const card of cards) {
      expect(await studyOf(user, card)).toEqual(studyJson(expectedCard(Date.now() - 2 * DAY, timesFor(reviews, card))));
    }
  });

  it("a reused id with another payload is rejected id_reused, also inside one batch and for another user's id", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const [aliceCard] = await createCardsAt(alice, 1, Date.now() - DAY);
    const [bobCard] = await createCardsAt(bob, 1, Date.now() - DAY);
    const [original] = plan([aliceCard as string], 1, Date.now() - HOUR, 10 * 60_000);
    expect((await uploadBatch(alice, [original])).body.results[0].status).toBe("applied");
    const aliceBefore = await cardRow(aliceCard as string);
    const changed = { ...original, rating: original?.rating === "good" ? "easy" : "good" };
    const twin = { ...original, id: crypto.randomUUID() };
    const res = await uploadBatch(alice, [changed, twin, { ...twin, rating: "again" }, twin]);
    expect(res.body.results.map((r: { status: string; code?: string }) => [r.status, r.code])).toEqual([
      ["rejected", "id_reused"],
      ["applied", undefined],
      ["rejected", "id_reused"],
      ["duplicate", undefined],
    ]);
    // Bob sends Alice's review id: refused exactly like his own reused id, and nothing of Alice's shows.
    const stolen = await uploadBatch(bob, [{ ...original, flashcard_id: bobCard }]);
    expect(stolen.body.results).toEqual([{ id: original?.id, status: "rejected", code: "id_reused" }]);
    expect(stolen.text).not.toContain(aliceCard);
    expect((await cardRow(aliceCard as string)).reps).toBe((aliceBefore.reps as number) + 1);
  });
});

describe("POST /reviews/batch: arriving out of order", () => {
  it("two devices uploading in either order end in the same state as in-order arrival", async () => {
    const user = await registerUser("devices");
    const createdAt = Date.now() - 5 * DAY;
    const inOrderCards = await createCardsAt(user, 3, createdAt, "in-order");
    const lateCards = await createCardsAt(user, 3, createdAt, "late");
    const start = Date.now() - 4 * DAY;
    const reviews = plan(inOrderCards, 24, start, 3 * DAY, 11);
    // The phone studied on odd slots, the laptop on even ones; the laptop uploads first.
    const phone = reviews.filter((_, i) => i % 2 === 1);
    const laptop = reviews.filter((_, i) => i % 2 === 0);
    const onLate = (list: Planned[]) =>
      list.map((r) => ({
        ...r,
        id: crypto.randomUUID(),
        flashcard_id: lateCards[inOrderCards.indexOf(r.flashcard_id)],
      }));
    expect((await uploadBatch(user, reviews)).status).toBe(200);
    const laptopAnswer = await uploadBatch(user, onLate(laptop));
    const phoneAnswer = await uploadBatch(user, onLate(phone));
    for (const res of [laptopAnswer, phoneAnswer])
      expect(res.body.results.every((r: { status: string }) => r.status === "applied")).toBe(true);
    for (const [i, card] of inOrderCards.entries()) {
      const late = lateCards[i] as string;
      const expected = studyJson(expectedCard(createdAt, timesFor(reviews, card)));
      expect(await studyOf(user, card)).toEqual(expected);
      expect(await studyOf(user, late)).toEqual(expected);
      // The history, replayed, matches too (minus ids and the card each belongs to).
      const strip = (rows: Array<Record<string, unknown>>) =>
        rows.map(({ id: _id, flashcard_id: _card, ...rest }) => rest);
      expect(strip(await reviewRows(late))).toEqual(strip(await reviewRows(card)));
    }
  });

  it("a late review on the single route is placed in history too, and undo then takes back the latest", async () => {
    const user = await registerUser("late-single");
    const createdAt = Date.now() - 3 * DAY;
    const [card] = await createCardsAt(user, 1, createdAt);
    const t1 = Date.now() - 2 * DAY;
    const t2 = Date.now() - DAY;
    const t3 = Date.now() - 2 * HOUR;
    const send = (rating: string, at: number) =>
      api("POST", `/api/v1/flashcards/${card}/reviews`, {
        token: user.accessToken,
        body: { rating, reviewed_at: new Date(at).toISOString(), id: crypto.randomUUID() },
      });
    expect((await send("good", t1)).status).toBe(200);
    const afterT1 = await cardRow(card as string);
    expect((await send("easy", t3)).status).toBe(200);
    const late = await send("hard", t2);
    expect(late.status, late.text).toBe(200);
    const all = [
      { rating: "good" as const, at: t1 },
      { rating: "hard" as const, at: t2 },
      { rating: "easy" as const, at: t3 },
    ];
    expect(late.body.flashcard.study).toEqual(studyJson(expectedCard(createdAt, all)));
    // Undo takes back t3 (the latest in history), then t2: back to exactly the state after t1.
    const undo = () => api("DELETE", `/api/v1/flashcards/${card}/reviews/latest`, { token: user.accessToken });
    const first = await undo();
    expect(first.status, first.text).toBe(200);
    expect(first.body.undone.reviewed_at).toBe(new Date(t3).toISOString());
    expect(first.body.flashcard.study).toEqual(studyJson(expectedCard(createdAt, all.slice(0, 2))));
    expect((await undo()).body.undone.reviewed_at).toBe(new Date(t2).toISOString());
    expect(await cardRow(card as string)).toEqual(afterT1);
  });
});

describe("POST /reviews/batch: per-item problems and malformed requests", () => {
  it("rejects only the bad items, each with its code, in the order sent", async () => {
    const user = await registerUser("items");
    const other = await registerUser("other");
    const [card] = await createCardsAt(user, 1, Date.now() - DAY);
    const [foreign] = await createCardsAt(other, 1, Date.now() - DAY);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    const sessionId = session.body.session.id;
    expect((await api("POST", `/api/v1/study-sessions/${sessionId}/finish`, { token: user.accessToken })).status).toBe(
      200,
    );
    const base = { flashcard_id: card, rating: "good", reviewed_at: new Date(Date.now() - HOUR).toISOString() };
    const items = [
      { ...base, id: crypto.randomUUID(), flashcard_id: crypto.randomUUID() },
      { ...base, id: crypto.randomUUID(), flashcard_id: foreign },
      { ...base, id: crypto.randomUUID(), rating: "meh" },
      { ...base, id: crypto.randomUUID(), rating: 3 },
      { ...base, id: crypto.randomUUID(), session_id: sessionId },
      { ...base, id: crypto.randomUUID(), session_id: crypto.randomUUID() },
      { ...base, id: crypto.randomUUID(), reviewed_at: new Date(Date.now() + 10 * 60_000).toISOString() },
      { ...base, id: crypto.randomUUID(), reviewed_at: new Date(Date.now() + 60_000).toISOString() },
    ];
    const res = await uploadBatch(user, items);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      "not_found",
      "not_found",
      "invalid_rating",
      "invalid_rating",
      "session_finished",
      "not_found",
      "review_in_future",
      "applied",
    ]);
    expect(res.text).not.toContain(foreign);
    expect((await cardRow(foreign as string)).reps).toBe(0);
  });

  it("answers 400 with nothing applied to 0 or 501 items, a non-UUID id, a bad date or an unknown field", async () => {
    const user = await registerUser("malformed");
    const [card] = await createCardsAt(user, 1, Date.now() - DAY);
    const item = () => ({
      id: crypto.randomUUID(),
      flashcard_id: card,
      rating: "good",
      reviewed_at: new Date(Date.now() - HOUR).toISOString(),
    });
    const bodies: unknown[] = [
      { reviews: [] },
      { reviews: Array.from({ length: 501 }, item) },
      { reviews: [item(), { ...item(), id: "not-a-uuid" }] },
      { reviews: [item(), { ...item(), reviewed_at: "yesterday" }] },
      { reviews: [item(), { ...item(), reviewed_at: "2026-11-30T08:00:00" }] },
      { reviews: [item(), { ...item(), reviewed_at: "1999-12-31T23:59:59Z" }] },
      { reviews: [item(), { ...item(), user_id: user.id }] },
      { reviews: [item(), { ...item(), duration_ms: -1 }] },
      { reviews: [item(), { ...item(), rating: null }] },
      { reviews: item() },
    ];
    for (const body of bodies) {
      const res = await api("POST", "/api/v1/reviews/batch", { token: user.accessToken, body });
      expectProblem(res, 400, "validation_failed");
    }
    expectProblem(
      await api("POST", "/api/v1/reviews/batch", {
        token: user.accessToken,
        rawBody: "{",
        headers: { "content-type": "application/json" },
      }),
      400,
      "malformed_json",
    );
    expect((await cardRow(card as string)).reps).toBe(0);
  });

  it("refuses a review older than the replay window", async () => {
    const user = await registerUser("window");
    const [card] = await createCardsAt(user, 1, Date.now() - 30 * DAY);
    const start = Date.now() - 20 * DAY;
    const many = Array.from({ length: 201 }, (_, i) => ({
      id: crypto.randomUUID(),
      flashcard_id: card,
      rating: "good",
      reviewed_at: new Date(start + i * HOUR).toISOString(),
    }));
    expect((await uploadBatch(user, many)).body.results.every((r: { status: string }) => r.status === "applied")).toBe(
      true,
    );
    const before = await cardRow(card as string);
    const tooOld = { ...many[0], id: crypto.randomUUID(), reviewed_at: new Date(start - HOUR).toISOString() };
    const fits = { ...many[0], id: crypto.randomUUID(), reviewed_at: new Date(start + 1.5 * HOUR).toISOString() };
    const res = await uploadBatch(user, [tooOld, fits]);
    expect(res.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      "review_too_old",
      "applied",
    ]);
    expect((await cardRow(card as string)).reps).toBe((before.reps as number) + 1);
  });
});

describe("POST /flashcards/:id/reviews with id and reviewed_at", () => {
  it("reviews at the given time, answers a resend with the stored review, and refuses reuse and the future", async () => {
    const user = await registerUser("single");
    const createdAt = Date.now() - 2 * DAY;
    const [card] = await createCardsAt(user, 1, createdAt);
    const id = crypto.randomUUID();
    const at = Date.now() - 3 * HOUR;
    const body = { id, rating: "good", reviewed_at: new Date(at).toISOString(), duration_ms: 3000 };
    const first = await api("POST", `/api/v1/flashcards/${card}/reviews`, { token: user.accessToken, body });
    expect(first.status, first.text).toBe(200);
    expect(first.body.review).toMatchObject({ id, reviewed_at: new Date(at).toISOString(), duration_ms: 3000 });
    expect(first.body.flashcard.study).toEqual(studyJson(expectedCard(createdAt, [{ rating: "good", at }])));
    const again = await api("POST", `/api/v1/flashcards/${card}/reviews`, { token: user.accessToken, body });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expectProblem(
      await api("POST", `/api/v1/flashcards/${card}/reviews`, {
        token: user.accessToken,
        body: { ...body, rating: "easy" },
      }),
      409,
      "id_reused",
    );
    expectProblem(
      await api("POST", `/api/v1/flashcards/${card}/reviews`, {
        token: user.accessToken,
        body: { rating: "good", reviewed_at: new Date(Date.now() + HOUR).toISOString() },
      }),
      422,
      "review_in_future",
    );
    expect(await reviewRows(card as string)).toHaveLength(1);
  });
});

describe("DELETE /flashcards/:id/reviews/latest (exact undo)", () => {
  it("restores byte-identical study columns, walks back one review at a time, then 404 no_review_to_undo", async () => {
    const user = await registerUser("undo");
    const [card] = await createCardsAt(user, 1, Date.now() - 10 * DAY);
    const states = [await cardRow(card as string)];
    for (const [i, rating] of (["good", "again", "easy", "hard"] as const).entries()) {
      const res = await api("POST", `/api/v1/flashcards/${card}/reviews`, {
        token: user.accessToken,
        body: { rating, reviewed_at: new Date(Date.now() - (8 - 2 * i) * DAY).toISOString() },
      });
      expect(res.status, res.text).toBe(200);
      states.push(await cardRow(card as string));
    }
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    expect(session.status).toBe(201);
    for (let i = states.length - 1; i > 0; i--) {
      const { db, counter } = countingD1(env.DB);
      const res = await api("DELETE", `/api/v1/flashcards/${card}/reviews/latest`, {
        token: user.accessToken,
        env: { ...env, DB: db },
      });
      expect(res.status, res.text).toBe(200);
      expect(counter.trips).toBe(2);
      expect(res.headers.get("etag")).toMatch(/^"\d+"$/);
      expect(await cardRow(card as string)).toEqual(states[i - 1]);
      expect(await reviewRows(card as string)).toHaveLength(i - 1);
    }
    expectProblem(
      await api("DELETE", `/api/v1/flashcards/${card}/reviews/latest`, { token: user.accessToken }),
      404,
      "no_review_to_undo",
    );
  });

  it("takes a session's review back out of its results", async () => {
    const user = await registerUser("undo-session");
    await createCardsAt(user, 2, Date.now() - DAY);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    const [a, b] = session.body.session.cards.map((c: { id: string }) => c.id);
    const sessionId = session.body.session.id;
    for (const card of [a, b])
      await api("POST", `/api/v1/flashcards/${card}/reviews`, {
        token: user.accessToken,
        body: { rating: "good", session_id: sessionId },
      });
    await api("DELETE", `/api/v1/flashcards/${b}/reviews/latest`, { token: user.accessToken });
    const progress = await api("GET", `/api/v1/study-sessions/${sessionId}`, { token: user.accessToken });
    expect(progress.body).toMatchObject({ reviewed: 1, remaining: 1, cards_remaining: [b] });
  });

  it("answers 404 for another user's card and changes nothing", async () => {
    const alice = await registerUser("alice-undo");
    const mallory = await registerUser("mallory-undo");
    const [card] = await createCardsAt(alice, 1, Date.now() - DAY);
    await api("POST", `/api/v1/flashcards/${card}/reviews`, { token: alice.accessToken, body: { rating: "good" } });
    const before = await cardRow(card as string);
    expectProblem(
      await api("DELETE", `/api/v1/flashcards/${card}/reviews/latest`, { token: mallory.accessToken }),
      404,
      "not_found",
    );
    expect(await cardRow(card as string)).toEqual(before);
    expect(await reviewRows(card as string)).toHaveLength(1);
  });

  it("an undo racing a review: one of them wins, the other gets 409, nothing is half-applied", async () => {
    const user = await registerUser("undo-race");
    const [card] = await createCardsAt(user, 1, Date.now() - DAY);
    await api("POST", `/api/v1/flashcards/${card}/reviews`, { token: user.accessToken, body: { rating: "good" } });
    const [undo, review] = await Promise.all([
      api("DELETE", `/api/v1/flashcards/${card}/reviews/latest`, { token: user.accessToken }),
      api("POST", `/api/v1/flashcards/${card}/reviews`, { token: user.accessToken, body: { rating: "easy" } }),
    ]);
    const statuses = [undo.status, review.status].sort();
    expect([
      [200, 200],
      [200, 409],
    ]).toContainEqual(statuses);
    const row = await cardRow(card as string);
    expect(row.reps).toBe((await reviewRows(card as string)).length);
  });
});
