/**
 * Studying by deck and tag through HTTP: GET /study/queue and GET /stats with `deck_id` / `tag`,
 * POST /study-sessions with `deck_id` / `tags`; the daily new-card limit shared by every deck; 404 for
 * another user's deck or tag (a session inserts nothing); round trips and statements.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

let owner: TestUser;
let other: TestUser;
let root: string;
let child: string;
let elsewhere: string;
let theirs: string;
const fronts: Record<string, string> = {};

async function deck(who: TestUser, name: string, parent: string | null = null): Promise<string> {
  const res = await api("POST", "/api/v1/decks", { token: who.accessToken, body: { name, parent_id: parent } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function cards(who: TestUser, items: Record<string, unknown>[]) {
  const res = await api("POST", "/api/v1/flashcards", {
    token: who.accessToken,
    body: { flashcards: items.map((item) => ({ back: "A", source: "manual", ...item })) },
  });
  expect(res.status, res.text).toBe(201);
  for (const card of res.body.data) fronts[card.id] = card.front;
  return res.body.data.map((card: { id: string }) => card.id) as string[];
}

const get = (path: string, who: TestUser = owner) => api("GET", path, { token: who.accessToken });
const queueFronts = async (query: string) => {
  const res = await get(`/api/v1/study/queue?limit=100&${query}`);
  expect(res.status, res.text).toBe(200);
  return { fronts: res.body.data.map((c: { id: string }) => fronts[c.id]).sort(), counts: res.body.counts };
};

beforeAll(async () => {
  owner = await registerUser("deck-study");
  other = await registerUser("deck-study-other");
  root = await deck(owner, "Languages");
  child = await deck(owner, "Polish", root);
  elsewhere = await deck(owner, "Maths");
  theirs = await deck(other, "Theirs");
  await cards(owner, [
    { front: "root-1", deck_id: root, tags: ["verb"] },
    { front: "root-2", deck_id: root },
    { front: "child-1", deck_id: child, tags: ["lang::pl", "verb"] },
    { front: "child-2", deck_id: child, tags: ["lang::pl"] },
    { front: "maths-1", deck_id: elsewhere },
    { front: "maths-2", deck_id: elsewhere },
    { front: "loose", tags: ["100%"] },
    { front: "loose-2", tags: ["100x"] },
  ]);
  await cards(other, [{ front: "their card", deck_id: theirs, tags: ["secret"] }]);
});

describe("GET /study/queue by deck and tag", () => {
  it("offers the deck's cards with its subdecks, tagged cards, and both combined", async () => {
    expect((await queueFronts(`deck_id=${root}`)).fronts).toEqual(["child-1", "child-2", "root-1", "root-2"]);
    expect((await queueFronts(`deck_id=${child}`)).fronts).toEqual(["child-1", "child-2"]);
    expect((await queueFronts("tag=verb")).fronts).toEqual(["child-1", "root-1"]);
    expect((await queueFronts("tag=lang")).fronts).toEqual(["child-1", "child-2"]);
    expect((await queueFronts("tag=verb&tag=lang::PL")).fronts).toEqual(["child-1"]);
    expect((await queueFronts(`deck_id=${root}&tag=verb`)).fronts).toEqual(["child-1", "root-1"]);
    const all = await queueFronts("");
    expect(all.fronts).toHaveLength(8);
    expect((await queueFronts(`deck_id=${elsewhere}`)).counts).toEqual({ due: 0, new: 2, learning: 0 });
  });

  it("treats %, _ and FTS syntax in a tag filter as plain characters", async () => {
    expect((await queueFronts(`tag=${encodeURIComponent("100%")}`)).fronts).toEqual(["loose"]);
    expectProblem(await get(`/api/v1/study/queue?tag=${encodeURIComponent("10_%")}`), 404, "not_found");
    expectProblem(await get(`/api/v1/study/queue?tag=${encodeURIComponent('"verb"*')}`), 404, "not_found");
  });

  it("keeps the daily new-card limit per user: new cards introduced in any deck count against every deck", async () => {
    const learner = await registerUser("deck-study-limit");
    const a = await deck(learner, "A");
    const b = await deck(learner, "B");
    const res = await api("POST", "/api/v1/flashcards", {
      token: learner.accessToken,
      body: {
        flashcards: [
          ...Array.from({ length: 4 }, (_, i) => ({ front: `a${i}`, back: "x", source: "manual", deck_id: a })),
          ...Array.from({ length: 4 }, (_, i) => ({ front: `b${i}`, back: "x", source: "manual", deck_id: b })),
        ],
      },
    });
    const ids: string[] = res.body.data.map((c: { id: string }) => c.id);
    const settings = await api("PATCH", "/api/v1/settings", {
      token: learner.accessToken,
      body: { new_cards_per_day: 3 },
    });
    expect(settings.status, settings.text).toBe(200);
    const queueOf = async (id: string) =>
      (await api("GET", `/api/v1/study/queue?deck_id=${id}`, { token: learner.accessToken })).body;
    expect((await queueOf(b)).counts.new).toBe(3);
    // Two new cards of deck A studied today leave one new card for deck B.
    for (const id of ids.slice(0, 2)) {
      const review = await api("POST", `/api/v1/flashcards/${id}/reviews`, {
        token: learner.accessToken,
        body: { rating: "good" },
      });
      expect(review.status, review.text).toBe(200);
    }
    const queueB = await queueOf(b);
    expect(queueB.counts.new).toBe(1);
    expect(queueB.data).toHaveLength(1);
    const session = await api("POST", "/api/v1/study-sessions", {
      token: learner.accessToken,
      body: { deck_id: b },
    });
    expect(session.body.session.cards).toHaveLength(1);
    expect(session.body.session.cards[0].deck_id).toBe(b);
  });
});

describe("GET /stats by deck and tag", () => {
  it("counts the scope's cards and the reviews of those cards", async () => {
    const learner = await registerUser("deck-stats");
    const a = await deck(learner, "A");
    const made = await api("POST", "/api/v1/flashcards", {
      token: learner.accessToken,
      body: {
        flashcards: [
          { front: "in a", back: "x", source: "manual", deck_id: a, tags: ["t"] },
          { front: "in a too", back: "x", source: "manual", deck_id: a },
          { front: "out", back: "x", source: "manual" },
        ],
      },
    });
    const [inA, , out] = made.body.data.map((c: { id: string }) => c.id);
    for (const id of [inA, out]) {
      await api("POST", `/api/v1/flashcards/${id}/reviews`, { token: learner.accessToken, body: { rating: "good" } });
    }
    const stats = async (query: string) =>
      (await api("GET", `/api/v1/stats?${query}`, { token: learner.accessToken })).body;
    const all = await stats("");
    expect(all.total_cards).toBe(3);
    expect(all.reviews_today).toBe(2);
    const inDeck = await stats(`deck_id=${a}`);
    expect(inDeck.total_cards).toBe(2);
    expect(inDeck.by_state).toEqual({ new: 1, learning: 1, review: 0, relearning: 0 });
    expect(inDeck.reviews_today).toBe(1);
    expect(inDeck.streak_days).toBe(1);
    const tagged = await stats("tag=t");
    expect(tagged.total_cards).toBe(1);
    expect(tagged.reviews_today).toBe(1);
  });
});

describe("POST /study-sessions by deck and tag", () => {
  it("plans only the scope's cards", async () => {
    const res = await api("POST", "/api/v1/study-sessions", {
      token: owner.accessToken,
      body: { deck_id: root, tags: ["verb"], limit: 10 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.session.cards.map((c: { id: string }) => fronts[c.id]).sort()).toEqual(["child-1", "root-1"]);
    const progress = await get(`/api/v1/study-sessions/${res.body.session.id}`);
    expect(progress.body.total).toBe(2);
  });

  it("validates deck_id and tags", async () => {
    for (const body of [{ deck_id: "x" }, { tags: [] }, { tags: ["two words"] }, { tags: Array(11).fill("t") }]) {
      expectProblem(
        await api("POST", "/api/v1/study-sessions", { token: owner.accessToken, body }),
        400,
        "validation_failed",
      );
    }
  });
});

describe("ownership", () => {
  it("answers 404 for another user's or an unknown deck or tag on the queue, stats and sessions; no session is written", async () => {
    const countSessions = async () =>
      (
        await env.DB.prepare("SELECT count(*) AS n FROM study_sessions WHERE user_id = ?")
          .bind(owner.id)
          .first<{ n: number }>()
      )?.n;
    const before = await countSessions();
    for (const [query, body, named] of [
      [`deck_id=${theirs}`, { deck_id: theirs }, theirs],
      [`deck_id=${crypto.randomUUID()}`, { deck_id: crypto.randomUUID() }, ""],
      ["tag=secret", { tags: ["secret"] }, "secret"],
      [`deck_id=${root}&tag=verb&tag=secret`, { deck_id: root, tags: ["verb", "secret"] }, "secret"],
    ] as const) {
      for (const path of ["/api/v1/study/queue", "/api/v1/stats"]) {
        const res = await get(`${path}?${query}`);
        expectProblem(res, 404, "not_found");
        expect(res.body.detail).toContain(named);
      }
      const session = await api("POST", "/api/v1/study-sessions", { token: owner.accessToken, body });
      expectProblem(session, 404, "not_found");
      expect(session.body.detail).toContain(named);
    }
    expect(await countSessions()).toBe(before);
    // The other user's own scope works for them.
    expect((await get(`/api/v1/study/queue?deck_id=${theirs}`, other)).body.data).toHaveLength(1);
  });
});

describe("budgets", () => {
  it("scoped queue, stats and session are one round trip within 50 statements", async () => {
    const scoped = `deck_id=${root}&tag=verb&tag=lang`;
    const cases: [string, string, unknown?][] = [
      ["GET", `/api/v1/study/queue?${scoped}`],
      ["GET", `/api/v1/stats?${scoped}`],
      ["POST", "/api/v1/study-sessions", { deck_id: root, tags: ["verb", "lang"] }],
    ];
    for (const [method, path, body] of cases) {
      // Warm the isolate's settings guess, so the count is the steady one.
      await api(method, path, { token: owner.accessToken, body });
      const { db, counter } = countingD1(env.DB);
      const res = await api(method, path, { token: owner.accessToken, body, env: { ...env, DB: db } });
      expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(300);
      expect(counter.trips, `${method} ${path}`).toBe(1);
      expect(counter.statements, `${method} ${path}`).toBeLessThanOrEqual(50);
    }
  });
});
