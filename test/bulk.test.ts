/**
 * POST /flashcards/bulk through HTTP: every action, 500 ids, all-or-nothing on a missing id, a foreign
 * deck or tag and the 20-tag rule, validation per action, and the round-trip and statement budget.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { userRows } from "./helpers/faulty-d1";

let user: TestUser;
let other: TestUser;

const bulk = (body: unknown, who: TestUser = user, dbEnv: Partial<typeof env> = {}) =>
  api("POST", "/api/v1/flashcards/bulk", { token: who.accessToken, body, env: { ...env, ...dbEnv } });

async function deck(name: string, who: TestUser = user, parent: string | null = null): Promise<string> {
  const res = await api("POST", "/api/v1/decks", { token: who.accessToken, body: { name, parent_id: parent } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** Creates `n` cards through the API (in chunks of 100) and returns their ids. */
async function cards(n: number, who: TestUser = user, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 100) {
    const res = await api("POST", "/api/v1/flashcards", {
      token: who.accessToken,
      body: {
        flashcards: Array.from({ length: Math.min(100, n - start) }, (_, i) => ({
          front: `Q${start + i}`,
          back: "A",
          source: "manual",
          ...extra,
        })),
      },
    });
    expect(res.status, res.text).toBe(201);
    ids.push(...res.body.data.map((card: { id: string }) => card.id));
  }
  return ids;
}

const card = async (id: string, who: TestUser = user) =>
  (await api("GET", `/api/v1/flashcards/${id}`, { token: who.accessToken })).body;

beforeAll(async () => {
  user = await registerUser("bulk");
  other = await registerUser("bulk-other");
});

describe("POST /flashcards/bulk", () => {
  it("moves cards into a deck and out of any deck; duplicates count once", async () => {
    const [a, b] = await cards(2);
    const target = await deck("BulkTarget");
    const moved = await bulk({ ids: [a, b, a], action: "move", deck_id: target });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toEqual({ updated: 2 });
    expect((await card(a!)).deck_id).toBe(target);
    expect((await card(b!)).deck_id).toBe(target);
    const out = await bulk({ ids: [a], action: "move", deck_id: null });
    expect(out.body).toEqual({ updated: 1 });
    expect((await card(a!)).deck_id).toBeNull();
    expect((await card(b!)).deck_id).toBe(target);
  });

  it("adds and removes tags (by key, first spelling kept) and moves updated_at", async () => {
    const [a, b] = await cards(2);
    await api("PATCH", `/api/v1/flashcards/${a}`, { token: user.accessToken, body: { tags: ["Verb"] } });
    const before = await card(b!);
    const added = await bulk({ ids: [a, b], action: "add_tags", tags: ["verb", "lang::pl", "LANG::PL"] });
    expect(added.body).toEqual({ updated: 2 });
    expect((await card(a!)).tags).toEqual(["lang::pl", "Verb"]);
    const afterAdd = await card(b!);
    expect(afterAdd.tags).toEqual(["lang::pl", "Verb"]);
    expect(afterAdd.updated_at >= before.updated_at).toBe(true);
    const removed = await bulk({ ids: [b], action: "remove_tags", tags: ["VERB"] });
    expect(removed.body).toEqual({ updated: 1 });
    expect((await card(a!)).tags).toEqual(["lang::pl", "Verb"]);
    expect((await card(b!)).tags).toEqual(["lang::pl"]);
  });

  it("deletes cards with their reviews and drops tags left without cards", async () => {
    const [a, b, keep] = await cards(3, user, { tags: ["doomed-tag"] });
    await api("POST", `/api/v1/flashcards/${a}/reviews`, { token: user.accessToken, body: { rating: "good" } });
    await api("PATCH", `/api/v1/flashcards/${keep}`, { token: user.accessToken, body: { tags: [] } });
    const deleted = await bulk({ ids: [a, b], action: "delete" });
    expect(deleted.body).toEqual({ updated: 2 });
    expect((await api("GET", `/api/v1/flashcards/${a}`, { token: user.accessToken })).status).toBe(404);
    const reviews = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?")
      .bind(a)
      .first<{ n: number }>();
    expect(reviews?.n).toBe(0);
    const tags = (await api("GET", "/api/v1/tags", { token: user.accessToken })).body.data;
    expect(tags.some((t: { name: string }) => t.name === "doomed-tag")).toBe(false);
    expect((await card(keep!)).id).toBe(keep);
  });

  it("handles 500 ids in one round trip within 50 statements, for every action", async () => {
    const owner = await registerUser("bulk-500");
    const ids = await cards(500, owner);
    const target = await deck("Big", owner);
    const bodies = [
      { ids, action: "move", deck_id: target },
      { ids, action: "add_tags", tags: Array.from({ length: 20 }, (_, i) => `t${i}`) },
      { ids, action: "remove_tags", tags: ["t0", "t1"] },
      { ids, action: "move", deck_id: null },
      { ids, action: "suspend" },
      { ids, action: "unsuspend" },
      { ids, action: "bury" },
      { ids, action: "reschedule", due: "2030-01-01" },
      { ids, action: "forget", reset_counts: true },
      { ids, action: "delete" },
    ];
    // bury, forget and reschedule read the learner's settings and the cards first.
    const readFirst = new Set(["bury", "forget", "reschedule"]);
    for (const body of bodies) {
      const { db, counter } = countingD1(env.DB);
      const res = await bulk(body, owner, { DB: db });
      expect(res.status, `${body.action} ${res.text}`).toBe(200);
      expect(res.body).toEqual({ updated: 500 });
      expect(counter.trips, body.action).toBe(readFirst.has(body.action) ? 2 : 1);
      expect(counter.statements, body.action).toBeLessThanOrEqual(50);
    }
    const left = await env.DB.prepare("SELECT count(*) AS n FROM flashcards WHERE user_id = ?")
      .bind(owner.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  }, 60_000);

  it("answers 404 naming the first id that is not the caller's, and changes nothing", async () => {
    const [mine] = await cards(1);
    const [theirs] = await cards(1, other);
    const unknown = crypto.randomUUID();
    const target = await deck("NotMoved");
    const before = await userRows(env.DB, user.id);
    for (const action of [
      { action: "move", deck_id: target },
      { action: "add_tags", tags: ["x"] },
      { action: "delete" },
    ]) {
      const res = await bulk({ ids: [mine, theirs, unknown], ...action });
      expectProblem(res, 404, "not_found");
      expect(res.body.detail).toContain(theirs);
      const second = await bulk({ ids: [mine, unknown, theirs], ...action });
      expect(second.body.detail).toContain(unknown);
    }
    expect(await userRows(env.DB, user.id)).toEqual(before);
    expect((await card(theirs!, other)).deck_id).toBeNull();
  });

  it("answers 404 for another user's deck or a tag to remove the caller does not have, changing nothing", async () => {
    const [a] = await cards(1, user, { tags: ["mine-only"] });
    const theirDeck = await deck("TheirBulkDeck", other);
    await cards(1, other, { tags: ["their-tag"] });
    const before = await userRows(env.DB, user.id);
    const move = await bulk({ ids: [a], action: "move", deck_id: theirDeck });
    expectProblem(move, 404, "not_found");
    expect(move.body.detail).toContain(theirDeck);
    const remove = await bulk({ ids: [a], action: "remove_tags", tags: ["mine-only", "their-tag"] });
    expectProblem(remove, 404, "not_found");
    expect(remove.body.detail).toContain("their-tag");
    expect(await userRows(env.DB, user.id)).toEqual(before);
    // Adding a name another user has creates the caller's own tag.
    const add = await bulk({ ids: [a], action: "add_tags", tags: ["their-tag"] });
    expect(add.body).toEqual({ updated: 1 });
    const theirs = (await api("GET", "/api/v1/tags", { token: other.accessToken })).body.data;
    expect(theirs).toEqual([{ name: "their-tag", card_count: 1 }]);
  });

  it("fails a whole add_tags with 400 too_many_tags when any card would pass 20 tags", async () => {
    const [full, empty] = await cards(2);
    await api("PATCH", `/api/v1/flashcards/${full}`, {
      token: user.accessToken,
      body: { tags: Array.from({ length: 19 }, (_, i) => `full${i}`) },
    });
    const before = await userRows(env.DB, user.id);
    const tagsBefore = (await api("GET", "/api/v1/tags", { token: user.accessToken })).body.data;
    expectProblem(await bulk({ ids: [empty, full], action: "add_tags", tags: ["n1", "n2"] }), 400, "too_many_tags");
    expect(await userRows(env.DB, user.id)).toEqual(before);
    expect((await api("GET", "/api/v1/tags", { token: user.accessToken })).body.data).toEqual(tagsBefore);
    expect((await card(empty!)).tags).toEqual([]);
    // 21 distinct names can fit no card: the same answer before any SQL.
    expectProblem(
      await bulk({ ids: [empty], action: "add_tags", tags: Array.from({ length: 21 }, (_, i) => `many${i}`) }),
      400,
      "too_many_tags",
    );
    // Exactly 20 fits.
    expect((await bulk({ ids: [full], action: "add_tags", tags: ["n1"] })).body).toEqual({ updated: 1 });
  });

  it("validates ids and the fields of each action", async () => {
    const [a] = await cards(1);
    const id = crypto.randomUUID();
    const bad: [unknown, string][] = [
      [{ ids: [], action: "delete" }, "ids"],
      [{ ids: Array.from({ length: 501 }, () => id), action: "delete" }, "ids"],
      [{ ids: ["nope"], action: "delete" }, "ids.0"],
      [{ ids: [a], action: "explode" }, "action"],
      [{ ids: [a] }, "action"],
      [{ ids: [a], action: "move" }, "deck_id"],
      [{ ids: [a], action: "move", deck_id: "x" }, "deck_id"],
      [{ ids: [a], action: "move", deck_id: null, tags: ["x"] }, "tags"],
      [{ ids: [a], action: "add_tags" }, "tags"],
      [{ ids: [a], action: "add_tags", tags: [] }, "tags"],
      [{ ids: [a], action: "add_tags", tags: ["two words"] }, "tags.0"],
      [{ ids: [a], action: "remove_tags", tags: ["x"], deck_id: null }, "deck_id"],
      [{ ids: [a], action: "delete", deck_id: null }, "deck_id"],
      [{ ids: [a], action: "delete", user_id: other.id }, "user_id"],
    ];
    for (const [body, path] of bad) {
      const res = await bulk(body);
      expectProblem(res, 400, "validation_failed");
      expect(
        res.body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(body).slice(0, 120),
      ).toContain(path);
    }
    expect((await card(a!)).id).toBe(a);
  });

  it("a bulk move racing a cascade delete of its deck leaves no card in a deleted deck", async () => {
    const owner = await registerUser("bulk-race");
    for (let round = 0; round < 5; round++) {
      const ids = await cards(20, owner);
      const target = await deck(`Race ${round}`, owner);
      const [move, remove] = await Promise.all([
        bulk({ ids, action: "move", deck_id: target }, owner),
        api("DELETE", `/api/v1/decks/${target}?cascade=true`, { token: owner.accessToken }),
      ]);
      expect([200, 404], move.text).toContain(move.status);
      expect(remove.status, remove.text).toBe(204);
      const orphans = await env.DB.prepare(
        "SELECT count(*) AS n FROM flashcards f WHERE f.user_id = ? AND f.deck_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM decks d WHERE d.id = f.deck_id)",
      )
        .bind(owner.id)
        .first<{ n: number }>();
      expect(orphans?.n).toBe(0);
      // Either the move came first (the cascade then deleted the cards) or the deck was gone (nothing moved).
      const left = await env.DB.prepare(
        "SELECT count(*) AS n FROM flashcards WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))",
      )
        .bind(owner.id, JSON.stringify(ids))
        .first<{ n: number }>();
      expect(left?.n).toBe(move.status === 200 ? 0 : 20);
    }
  });

  it("treats %, _, quotes and FTS syntax in tag names as plain characters", async () => {
    const [a, b] = await cards(2);
    const odd = ["100%", "a_b", 'quo"te', "NEAR(x*)", "x::%"];
    expect((await bulk({ ids: [a], action: "add_tags", tags: odd })).body).toEqual({ updated: 1 });
    await bulk({ ids: [b], action: "add_tags", tags: ["100x", "aXb", "xyz"] });
    expect((await card(a!)).tags.sort()).toEqual([...odd].sort());
    expect((await card(b!)).tags).toEqual(["100x", "aXb", "xyz"]);
    expect((await bulk({ ids: [a, b], action: "remove_tags", tags: ["100%", "a_b"] })).status).toBe(200);
    expect((await card(b!)).tags).toEqual(["100x", "aXb", "xyz"]);
    expect((await card(a!)).tags.sort()).toEqual(["NEAR(x*)", 'quo"te', "x::%"].sort());
  });
});

describe("POST /flashcards/bulk card states (#15)", () => {
  it("suspends, unsuspends and buries many cards; the queue skips them", async () => {
    const owner = await registerUser("bulk-states");
    const [a, b, c] = await cards(3, owner);
    const queue = async () =>
      (await api("GET", "/api/v1/study/queue?limit=100", { token: owner.accessToken })).body.data.map(
        (x: { id: string }) => x.id,
      );
    expect(await bulk({ ids: [a, b], action: "suspend" }, owner)).toMatchObject({ status: 200, body: { updated: 2 } });
    expect(await queue()).toEqual([c]);
    expect((await card(a!, owner)).study.suspended).toBe(true);
    await bulk({ ids: [a], action: "unsuspend" }, owner);
    expect((await card(a!, owner)).study.suspended).toBe(false);
    const buried = await bulk({ ids: [a, c], action: "bury" }, owner);
    expect(buried.body).toEqual({ updated: 2 });
    const until = (await card(c!, owner)).study.buried_until;
    expect(Date.parse(until)).toBeGreaterThan(Date.now());
    expect(await queue()).toEqual([]);
  });

  it("forgets and reschedules many cards exactly as the single routes do, as manual entries undo takes back", async () => {
    const owner = await registerUser("bulk-manual");
    const ids = await cards(3, owner);
    for (const id of ids) {
      expect(
        (await api("POST", `/api/v1/flashcards/${id}/reviews`, { token: owner.accessToken, body: { rating: "easy" } }))
          .status,
      ).toBe(200);
    }
    const before = await Promise.all(ids.map((id) => card(id, owner)));
    const res = await bulk({ ids, action: "forget" }, owner);
    expect(res.body).toEqual({ updated: 3 });
    for (const [i, id] of ids.entries()) {
      const now = (await card(id, owner)).study;
      expect(now).toMatchObject({ state: "new", stability: 0, difficulty: 0, reps: before[i].study.reps });
      const history = await api("GET", `/api/v1/flashcards/${id}/reviews`, { token: owner.accessToken });
      expect(history.body.data[0].rating).toBe("manual");
    }
    const undo = await api("DELETE", `/api/v1/flashcards/${ids[0]}/reviews/latest`, { token: owner.accessToken });
    expect(undo.body.flashcard.study).toEqual(before[0].study);
    const moved = await bulk({ ids, action: "reschedule", due: "2030-06-01" }, owner);
    expect(moved.body).toEqual({ updated: 3 });
    const single = await api("POST", `/api/v1/flashcards/${ids[0]}/reschedule`, {
      token: owner.accessToken,
      body: { due: "2030-06-01" },
    });
    for (const id of ids) expect((await card(id, owner)).study.due).toBe(single.body.study.due);
  });

  it("a forget racing a review of one card changes no card and answers 409", async () => {
    const owner = await registerUser("bulk-race");
    const ids = await cards(3, owner);
    // Between the read and the write round trip, another request changes the second card.
    let batches = 0;
    const race = () => env.DB.prepare("UPDATE flashcards SET version = version + 1 WHERE id = ?").bind(ids[1]).run();
    const wrap = <D extends object>(target: D): D =>
      new Proxy(target, {
        get(t, property) {
          const value = Reflect.get(t, property, t);
          if (property === "withSession")
            return (...args: unknown[]) => wrap((value as (...a: unknown[]) => object).apply(t, args));
          if (property === "batch")
            return async (statements: unknown[]) => {
              if (++batches === 2) await race();
              return (value as (s: unknown[]) => Promise<unknown>).call(t, statements);
            };
          return typeof value === "function" ? value.bind(t) : value;
        },
      });
    const before = await Promise.all(ids.map((id) => card(id, owner)));
    expectProblem(await bulk({ ids, action: "forget" }, owner, { DB: wrap(env.DB) }), 409, "review_conflict");
    expect(batches).toBe(2);
    for (const [i, id] of ids.entries()) expect((await card(id, owner)).study).toEqual(before[i].study);
    const logs = await env.DB.prepare(
      "SELECT count(*) AS n FROM review_logs WHERE flashcard_id IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify(ids))
      .first<{ n: number }>();
    expect(logs?.n).toBe(0);
  });

  it("answers 404 for another user's card and 400 for a bad due, changing nothing", async () => {
    const owner = await registerUser("bulk-states-404");
    const [mine] = await cards(1, owner);
    const [theirs] = await cards(1, other);
    for (const body of [
      { ids: [mine, theirs], action: "suspend" },
      { ids: [mine, theirs], action: "bury" },
      { ids: [mine, theirs], action: "forget" },
      { ids: [mine, theirs], action: "reschedule", due: "2030-01-01" },
    ]) {
      expectProblem(await bulk(body, owner), 404, "not_found");
    }
    for (const body of [
      { ids: [mine], action: "reschedule" },
      { ids: [mine], action: "reschedule", due: "2030-02-30" },
      { ids: [mine], action: "forget", reset_counts: "yes" },
      { ids: [mine], action: "suspend", due: "2030-01-01" },
    ]) {
      expectProblem(await bulk(body, owner), 400, "validation_failed");
    }
    const after = await card(mine!, owner);
    expect(after.study).toMatchObject({ suspended: false, buried_until: null, state: "new" });
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?")
      .bind(mine)
      .first<{ n: number }>();
    expect(logs?.n).toBe(0);
  });
});
