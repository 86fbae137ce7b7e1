import { env } from "cloudflare:test";
import { type Card, fsrs, generatorParameters } from "ts-fsrs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type ApiOptions, expectProblem, freshToken, api as rawApi, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0); // 09:00 UTC; the default learner day starts at 04:00 UTC

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

let clock = T0;
const at = (ms: number) => {
  clock = ms;
  vi.setSystemTime(ms);
};
const owners = new Map<string, TestUser>();
async function api(method: string, path: string, options: ApiOptions = {}) {
  const user = options.token ? owners.get(options.token) : undefined;
  return rawApi(method, path, { ...options, token: user ? await freshToken(user) : options.token });
}
async function newUser() {
  const user = await registerUser("states");
  owners.set(user.accessToken, user);
  await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
    .bind(Date.UTC(2036, 0, 1), user.id)
    .run();
  return user;
}
async function createCards(user: TestUser, count: number): Promise<any[]> {
  const res = await api("POST", "/api/v1/flashcards", {
    token: user.accessToken,
    body: { flashcards: Array.from({ length: count }, (_, i) => ({ front: `Q${i}`, back: "A", source: "manual" })) },
  });
  expect(res.status).toBe(201);
  return res.body.data;
}
const post = (user: TestUser, path: string, body?: unknown, env?: Cloudflare.Env) =>
  api("POST", `/api/v1/flashcards/${path}`, { token: user.accessToken, body, env });
const review = (user: TestUser, id: string, rating: string) => post(user, `${id}/reviews`, { rating });
const queueIds = async (user: TestUser) =>
  (await api("GET", "/api/v1/study/queue?limit=100", { token: user.accessToken })).body.data.map((c: any) => c.id);
const sessionIds = async (user: TestUser) =>
  (
    await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 100 } })
  ).body.session.cards.map((c: any) => c.id);

/** Reviews a card at its due time until it has lapsed `lapses` times; returns the last review response. */
async function lapseUntil(user: TestUser, id: string, lapses: number) {
  let last: any;
  let study = (await api("GET", `/api/v1/flashcards/${id}`, { token: user.accessToken })).body.study;
  for (let i = 0; i < 40 && study.lapses < lapses; i++) {
    at(Math.max(clock, Date.parse(study.due)) + 60_000);
    last = await review(user, id, study.state === "review" ? "again" : "easy");
    expect(last.status).toBe(200);
    study = last.body.flashcard.study;
  }
  expect(study.lapses).toBe(lapses);
  return last;
}

describe("suspend and unsuspend", () => {
  it("keeps a suspended card out of the queue and new sessions, in one round trip each", async () => {
    at(T0);
    const user = await newUser();
    const [a, b] = await createCards(user, 2);
    const { db, counter } = countingD1(env.DB);
    const res = await post(user, `${a.id}/suspend`, undefined, { ...env, DB: db });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(1);
    expect(res.body.study).toMatchObject({ suspended: true, buried_until: null, leech: false, state: "new" });
    expect(await queueIds(user)).toEqual([b.id]);
    expect(await sessionIds(user)).toEqual([b.id]);
    const list = await api("GET", "/api/v1/flashcards?suspended=true", { token: user.accessToken });
    expect(list.body.data.map((c: any) => c.id)).toEqual([a.id]);
    const back = await post(user, `${a.id}/unsuspend`);
    expect(back.body.study.suspended).toBe(false);
    expect((await queueIds(user)).sort()).toEqual([a.id, b.id].sort());
  });

  it("answers 404 for another user's card and 400 for a malformed id", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const [card] = await createCards(alice, 1);
    for (const action of ["suspend", "unsuspend", "bury"]) {
      expectProblem(await post(bob, `${card.id}/${action}`), 404, "not_found");
      expectProblem(await post(bob, `nope/${action}`), 400, "validation_failed");
    }
    expectProblem(await post(bob, `${card.id}/forget`, {}), 404, "not_found");
    expectProblem(await post(bob, `${card.id}/reschedule`, { due: "2026-12-01" }), 404, "not_found");
    const mine = await api("GET", `/api/v1/flashcards/${card.id}`, { token: alice.accessToken });
    expect(mine.body.study).toMatchObject({ suspended: false, buried_until: null });
  });
});

describe("bury", () => {
  it("hides a card until the learner's next day starts (Warsaw, 4 a.m.)", async () => {
    const user = await newUser();
    await api("PATCH", "/api/v1/settings", { token: user.accessToken, body: { timezone: "Europe/Warsaw" } });
    const [a, b] = await createCards(user, 2);
    const { db, counter } = countingD1(env.DB);
    const res = await post(user, `${a.id}/bury`, undefined, { ...env, DB: db });
    expect(counter.trips).toBe(1);
    // 09:00 UTC on 2 November = 10:00 CET; the next learner day starts at 04:00 CET = 03:00 UTC.
    const until = Date.UTC(2026, 10, 3, 3);
    expect(res.body.study.buried_until).toBe(new Date(until).toISOString());
    expect(await queueIds(user)).toEqual([b.id]);
    at(until - 1);
    expect(await sessionIds(user)).toEqual([b.id]);
    at(until);
    expect(await queueIds(user)).toContain(a.id);
  });
});

describe("forget", () => {
  it("sends a card back to new exactly as ts-fsrs forget does, logs a manual entry and keeps the history", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    const last = await lapseUntil(user, card.id, 1);
    const before = last.body.flashcard.study;
    at(clock + HOUR);
    const { db, counter } = countingD1(env.DB);
    const res = await post(user, `${card.id}/forget`, {}, { ...env, DB: db });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(2);
    const asCard: Card = {
      due: new Date(before.due),
      stability: before.stability,
      difficulty: before.difficulty,
      elapsed_days: before.elapsed_days,
      scheduled_days: before.scheduled_days,
      learning_steps: before.learning_steps,
      reps: before.reps,
      lapses: before.lapses,
      state: ["new", "learning", "review", "relearning"].indexOf(before.state),
      last_review: new Date(before.last_review),
    };
    const expected = fsrs(generatorParameters()).forget(asCard, new Date(clock), false).card;
    expect(res.body.study).toMatchObject({
      state: "new",
      due: expected.due.toISOString(),
      stability: 0,
      difficulty: 0,
      reps: before.reps,
      lapses: 1,
      last_review: before.last_review,
    });
    const history = await api("GET", `/api/v1/flashcards/${card.id}/reviews`, { token: user.accessToken });
    expect(history.body.data[0]).toMatchObject({ rating: "manual", state_before: before.state });
    expect(history.body.data.length).toBeGreaterThan(1);
    const reset = await post(user, `${card.id}/forget`, { reset_counts: true });
    expect(reset.body.study).toMatchObject({ state: "new", reps: 0, lapses: 0 });
    expectProblem(await post(user, `${card.id}/forget`, { reset_counts: "yes" }), 400, "validation_failed");
  });
});

describe("reschedule", () => {
  it("makes a card due at the learner's day start on that date, memory kept, logged as manual", async () => {
    const user = await newUser();
    await api("PATCH", "/api/v1/settings", { token: user.accessToken, body: { timezone: "America/New_York" } });
    const [card, other] = await createCards(user, 2);
    const reviewed = await review(user, card.id, "easy");
    at(T0 + 60_000);
    const { db, counter } = countingD1(env.DB);
    const res = await post(user, `${card.id}/reschedule`, { due: "2026-11-20" }, { ...env, DB: db });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(2);
    // 04:00 EST on 20 November = 09:00 UTC; today (learner) is 2 November: 18 days.
    expect(res.body.study).toMatchObject({
      due: new Date(Date.UTC(2026, 10, 20, 9)).toISOString(),
      scheduled_days: 18,
      state: reviewed.body.flashcard.study.state,
      stability: reviewed.body.flashcard.study.stability,
    });
    const history = await api("GET", `/api/v1/flashcards/${card.id}/reviews`, { token: user.accessToken });
    expect(history.body.data[0]).toMatchObject({
      rating: "manual",
      next_due: new Date(Date.UTC(2026, 10, 20, 9)).toISOString(),
    });
    // A new card rescheduled later waits for its date.
    await post(user, `${other.id}/reschedule`, { due: "2026-11-05" });
    expect(await queueIds(user)).toEqual([]);
    at(Date.UTC(2026, 10, 5, 9));
    expect(await queueIds(user)).toEqual([other.id]);
    for (const due of ["2026-02-30", "26-11-01", "2026-13-01", "tomorrow", "1999-12-31"]) {
      expectProblem(await post(user, `${card.id}/reschedule`, { due }), 400, "validation_failed");
    }
    expectProblem(await post(user, `${card.id}/reschedule`, {}), 400, "validation_failed");
  });
});

describe("leeches", () => {
  it("flags and suspends a card in the batch of the review that reaches the threshold", async () => {
    const user = await newUser();
    await api("PATCH", "/api/v1/settings", {
      token: user.accessToken,
      body: { leech_threshold: 3, leech_action: "suspend" },
    });
    const [card] = await createCards(user, 1);
    const second = await lapseUntil(user, card.id, 2);
    expect(second.body.flashcard.study).toMatchObject({ leech: false, suspended: false });
    const third = await lapseUntil(user, card.id, 3);
    expect(third.body.flashcard.study).toMatchObject({ lapses: 3, leech: true, suspended: true });
    expect(await queueIds(user)).toEqual([]);
    const leeches = await api("GET", "/api/v1/flashcards?leech=true&state=relearning", { token: user.accessToken });
    expect(leeches.body.data.map((c: any) => c.id)).toEqual([card.id]);
  });

  it("tags a leech 'leech' (the default action) in the same batch", async () => {
    const user = await newUser();
    await api("PATCH", "/api/v1/settings", { token: user.accessToken, body: { leech_threshold: 3 } });
    const [card] = await createCards(user, 1);
    const third = await lapseUntil(user, card.id, 3);
    expect(third.body.flashcard.study).toMatchObject({ leech: true, suspended: false });
    const tagged = await env.DB.prepare(
      "SELECT t.name FROM flashcard_tags ft JOIN tags t ON t.id = ft.tag_id WHERE ft.flashcard_id = ?",
    )
      .bind(card.id)
      .all<{ name: string }>();
    expect(tagged.results).toEqual([{ name: "leech" }]);
    expect(third.body.flashcard.tags).toEqual(["leech"]);
    // A fourth lapse does not tag again or fail.
    const fourth = await lapseUntil(user, card.id, 4);
    expect(fourth.status).toBe(200);
  });
});

describe("leeches in an offline upload (POST /reviews/batch)", () => {
  it("flags every card the batch makes a leech, tags them in the same write, and undo takes the flag back", async () => {
    const user = await newUser();
    await api("PATCH", "/api/v1/settings", { token: user.accessToken, body: { leech_threshold: 3 } });
    const cards = await createCards(user, 3);
    // Two lapses each, then back to review: the next "again" is the third lapse.
    const dues: number[] = [];
    for (const card of cards) {
      await lapseUntil(user, card.id, 2);
      let study = (await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken })).body.study;
      while (study.state !== "review") {
        at(Math.max(clock, Date.parse(study.due)) + 60_000);
        study = (await review(user, card.id, "easy")).body.flashcard.study;
      }
      dues.push(Date.parse(study.due));
    }
    at(Math.max(...dues) + 60_000);
    const reviews = cards.map((card, i) => ({
      id: crypto.randomUUID(),
      flashcard_id: card.id,
      // The third card is rated good: no lapse, no leech.
      rating: i < 2 ? "again" : "good",
      reviewed_at: new Date(clock - 1_000).toISOString(),
    }));
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/reviews/batch", {
      token: user.accessToken,
      body: { reviews },
      env: { ...env, DB: db },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(counter.trips).toBe(2);
    const byCard = new Map(res.body.results.map((r: any) => [r.flashcard?.id ?? r.id, r]));
    const studyOf = async (id: string) =>
      (await api("GET", `/api/v1/flashcards/${id}`, { token: user.accessToken })).body;
    for (const [i, card] of cards.entries()) {
      const now = await studyOf(card.id);
      expect(now.study.leech).toBe(i < 2);
      expect(now.tags).toEqual(i < 2 ? ["leech"] : []);
    }
    expect(byCard.size).toBe(3);
    // Undo of the review that made the first card a leech restores the flag (the tag stays: a tag is the
    // learner's to remove).
    const undone = await api("DELETE", `/api/v1/flashcards/${cards[0].id}/reviews/latest`, { token: user.accessToken });
    expect(undone.status).toBe(200);
    expect(undone.body.flashcard.study).toMatchObject({ leech: false, lapses: 2, state: "review" });
  });
});

describe("undo takes back card-state entries like reviews", () => {
  it("restores the card before a forget, a reschedule, and a review of a buried, suspended card", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    const reviewed = (await review(user, card.id, "easy")).body.flashcard;
    at(clock + HOUR);
    const forgotten = await post(user, `${card.id}/forget`, {});
    expect(forgotten.body.study.state).toBe("new");
    const undoForget = await api("DELETE", `/api/v1/flashcards/${card.id}/reviews/latest`, {
      token: user.accessToken,
    });
    expect(undoForget.status).toBe(200);
    expect(undoForget.body.undone.rating).toBe("manual");
    expect(undoForget.body.flashcard.study).toEqual(reviewed.study);
    const rescheduled = await post(user, `${card.id}/reschedule`, { due: "2026-12-24" });
    expect(rescheduled.status).toBe(200);
    const undoReschedule = await api("DELETE", `/api/v1/flashcards/${card.id}/reviews/latest`, {
      token: user.accessToken,
    });
    expect(undoReschedule.body.flashcard.study).toEqual(reviewed.study);
    // A review takes a card out of burial; undo buries it again, exactly as it was.
    const buried = (await post(user, `${card.id}/bury`)).body.study;
    await post(user, `${card.id}/suspend`);
    at(clock + HOUR);
    const again = await review(user, card.id, "again");
    expect(again.body.flashcard.study).toMatchObject({ buried_until: null, suspended: true });
    const undoReview = await api("DELETE", `/api/v1/flashcards/${card.id}/reviews/latest`, {
      token: user.accessToken,
    });
    expect(undoReview.body.flashcard.study).toEqual({
      ...reviewed.study,
      buried_until: buried.buried_until,
      suspended: true,
    });
  });
});

describe("GET /flashcards filters", () => {
  it("filters by state, suspended and leech and rejects bad values", async () => {
    const user = await newUser();
    const [a, b] = await createCards(user, 2);
    await review(user, a.id, "good");
    await post(user, `${b.id}/suspend`);
    const ids = async (query: string) =>
      (await api("GET", `/api/v1/flashcards?${query}`, { token: user.accessToken })).body.data.map((c: any) => c.id);
    expect(await ids("state=learning")).toEqual([a.id]);
    expect(await ids("state=new")).toEqual([b.id]);
    expect(await ids("state=new&suspended=false")).toEqual([]);
    expect(await ids("leech=false&suspended=false")).toEqual([a.id]);
    for (const query of ["state=old", "suspended=yes", "leech=1"]) {
      expectProblem(
        await api("GET", `/api/v1/flashcards?${query}`, { token: user.accessToken }),
        400,
        "validation_failed",
      );
    }
  });
});

describe("at DAY scale", () => {
  it("a buried card comes back the next learner day even after many days", async () => {
    const user = await newUser();
    const [card] = await createCards(user, 1);
    await post(user, `${card.id}/bury`);
    at(T0 + 10 * DAY);
    expect(await queueIds(user)).toEqual([card.id]);
  });
});
