/**
 * Cards in decks and with tags, the list filters, and the tags endpoints, through HTTP.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { buildListQuery } from "../src/routes/flashcards/flashcards.handlers";
import { listFlashcardsQuerySchema } from "../src/routes/flashcards/flashcards.schemas";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { seedGeneration } from "./helpers/fixtures";

let user: TestUser;
let other: TestUser;

const post = (who: TestUser, cards: Record<string, unknown>[]) =>
  api("POST", "/api/v1/flashcards", {
    token: who.accessToken,
    body: { flashcards: cards.map((card) => ({ front: "Q", back: "A", source: "manual", ...card })) },
  });

async function deck(name: string, parent: string | null = null, who: TestUser = user): Promise<string> {
  const res = await api("POST", "/api/v1/decks", { token: who.accessToken, body: { name, parent_id: parent } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

const list = async (query: string, who: TestUser = user) => {
  const res = await api("GET", `/api/v1/flashcards?limit=100&${query}`, { token: who.accessToken });
  return res;
};
const fronts = async (query: string) => (await list(query)).body.data.map((c: { front: string }) => c.front).sort();

beforeAll(async () => {
  user = await registerUser("tags");
  other = await registerUser("tags-other");
});

describe("cards in decks, with tags", () => {
  it("creates cards with a deck and tags (deduplicated by key, first spelling kept, sorted)", async () => {
    const d = await deck("Create");
    const first = await post(user, [{ front: "first", tags: ["Lang::PL", "zeta", "lang::pl", "Alpha"] }]);
    expect(first.status, first.text).toBe(201);
    expect(first.body.data[0].tags).toEqual(["Alpha", "Lang::PL", "zeta"]);
    const second = await post(user, [{ front: "second", deck_id: d, tags: ["LANG::pl", "Ünï"] }]);
    expect(second.body.data[0]).toMatchObject({ deck_id: d, tags: ["Lang::PL", "Ünï"] });
    const read = await api("GET", `/api/v1/flashcards/${second.body.data[0].id}`, { token: user.accessToken });
    expect(read.body).toMatchObject({ deck_id: d, tags: ["Lang::PL", "Ünï"] });
  });

  it("refuses more than 20 tags, bad tag names and another user's deck, writing nothing", async () => {
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expectProblem(await post(user, [{ front: "x", tags: many }]), 400, "too_many_tags");
    for (const bad of ["two words", "", "a::", "::a", "x".repeat(51)]) {
      expectProblem(await post(user, [{ front: "x", tags: [bad] }]), 400, "validation_failed");
    }
    const theirs = await deck("Theirs", null, other);
    expectProblem(await post(user, [{ front: "planted", deck_id: theirs }]), 404, "not_found");
    expect(await fronts("q=planted")).toEqual([]);
  });

  it("PATCH moves a card between decks, out of any deck, and replaces its tags", async () => {
    const a = await deck("PatchA");
    const created = await post(user, [{ front: "patch me", tags: ["old", "keep"] }]);
    const id = created.body.data[0].id;
    const moved = await api("PATCH", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      body: { deck_id: a, tags: ["keep", "new"] },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ deck_id: a, tags: ["keep", "new"], front: "patch me" });
    const out = await api("PATCH", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      body: { deck_id: null, tags: [] },
    });
    expect(out.body).toMatchObject({ deck_id: null, tags: [] });
    const theirs = await deck("TheirsPatch", null, other);
    expectProblem(
      await api("PATCH", `/api/v1/flashcards/${id}`, { token: user.accessToken, body: { deck_id: theirs } }),
      404,
      "not_found",
    );
    // Another user's card: 404 and no tag is created for anyone.
    const theirCard = (await post(other, [{ front: "their card" }])).body.data[0].id;
    expectProblem(
      await api("PATCH", `/api/v1/flashcards/${theirCard}`, { token: user.accessToken, body: { tags: ["sneaky"] } }),
      404,
      "not_found",
    );
    const tags = await api("GET", "/api/v1/tags", { token: user.accessToken });
    expect(tags.body.data.some((t: { name: string }) => t.name === "sneaky" || t.name === "old")).toBe(false);
  });
});

describe("list filters", () => {
  it("filters by deck with and without subdecks, no deck, and tags (all, hierarchical, by range)", async () => {
    const owner = await registerUser("filters");
    const root = await deck("Root", null, owner);
    const child = await deck("Child", root, owner);
    await post(owner, [
      { front: "in root", deck_id: root, tags: ["lang::pl", "verb"] },
      { front: "in child", deck_id: child, tags: ["lang::de"] },
      { front: "loose", tags: ["language", "lang"] },
      { front: "percent", tags: ["100%_done", "lang::pl::old"] },
    ]);
    const names = async (query: string) =>
      (await list(query, owner)).body.data.map((c: { front: string }) => c.front).sort();
    expect(await names(`deck_id=${root}`)).toEqual(["in child", "in root"]);
    expect(await names(`deck_id=${root}&subdecks=false`)).toEqual(["in root"]);
    expect(await names("no_deck=true")).toEqual(["loose", "percent"]);
    expect(await names("tag=lang")).toEqual(["in child", "in root", "loose", "percent"]);
    expect(await names("tag=LANG::PL")).toEqual(["in root", "percent"]);
    expect(await names("tag=lang::pl&tag=verb")).toEqual(["in root"]);
    expect(await names("tag=language")).toEqual(["loose"]);
    expect(await names(`tag=${encodeURIComponent("100%_done")}`)).toEqual(["percent"]);
    expect(await names(`deck_id=${root}&tag=lang::de&q=child`)).toEqual(["in child"]);
  });

  it("answers 404 for another user's deck or an unknown tag, 400 for contradictory filters", async () => {
    const theirs = await deck("FilterTheirs", null, other);
    await post(other, [{ front: "theirs", tags: ["secret"] }]);
    expectProblem(await list(`deck_id=${theirs}`), 404, "not_found");
    expectProblem(await list("tag=secret"), 404, "not_found");
    expectProblem(await list(`no_deck=true&deck_id=${theirs}`), 400, "validation_failed");
    expectProblem(await list("subdecks=false"), 400, "validation_failed");
    expectProblem(await list(`tag=${"t&tag=".repeat(10)}t`), 400, "validation_failed");
  });

  it("keeps the deck- and tag-filtered lists on indexes (EXPLAIN QUERY PLAN)", async () => {
    const db = createDb(env.DB);
    const plans: string[] = [];
    for (const raw of [
      { deck_id: crypto.randomUUID(), subdecks: "false" },
      { deck_id: crypto.randomUUID() },
      { tag: "lang" },
    ]) {
      const query = listFlashcardsQuerySchema.parse(raw);
      const { sql, params } = buildListQuery(db, user.id, query).toSQL();
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      plans.push(results.map((r) => r.detail).join("\n"));
    }
    expect(plans[0]).toContain("flashcards_deck_created_idx");
    expect(plans[1]).toMatch(/flashcards_deck_created_idx|flashcards_user_created_idx/);
    expect(plans[1]).toContain("deck_tree");
    expect(plans[2]).toContain("tags_user_key_unique");
    expect(plans[2]).toContain("flashcard_tags_tag_idx");
    for (const plan of plans) expect(plan).not.toMatch(/SCAN (flashcards|tags|flashcard_tags|deck_tree)\b(?! USING)/);
  });
});

describe("/tags", () => {
  it("lists tags with card counts by name, renames, merges and deletes", async () => {
    const owner = await registerUser("tagops");
    const cards = await post(owner, [
      { front: "one", tags: ["Beta", "alpha"] },
      { front: "two", tags: ["beta", "gamma"] },
      { front: "three", tags: ["gamma", "Alpha"] },
    ]);
    expect(cards.status).toBe(201);
    const tags = async () => (await api("GET", "/api/v1/tags", { token: owner.accessToken })).body.data;
    expect(await tags()).toEqual([
      { name: "alpha", card_count: 2 },
      { name: "Beta", card_count: 2 },
      { name: "gamma", card_count: 2 },
    ]);
    const respelled = await api("PATCH", "/api/v1/tags/beta", { token: owner.accessToken, body: { name: "BETA" } });
    expect(respelled.body).toEqual({ name: "BETA", card_count: 2 });
    // Merge gamma into alpha: card three holds both and keeps one.
    const merged = await api("PATCH", "/api/v1/tags/GAMMA", { token: owner.accessToken, body: { name: "alpha" } });
    expect(merged.body).toEqual({ name: "alpha", card_count: 3 });
    expect(await tags()).toEqual([
      { name: "alpha", card_count: 3 },
      { name: "BETA", card_count: 2 },
    ]);
    const renamed = await api("PATCH", `/api/v1/tags/${encodeURIComponent("BETA")}`, {
      token: owner.accessToken,
      body: { name: "lang::pl" },
    });
    expect(renamed.body).toEqual({ name: "lang::pl", card_count: 2 });
    const two = await api("GET", `/api/v1/flashcards/${cards.body.data[1].id}`, { token: owner.accessToken });
    expect(two.body.tags).toEqual(["alpha", "lang::pl"]);
    expect((await api("DELETE", "/api/v1/tags/ALPHA", { token: owner.accessToken })).status).toBe(204);
    expect(await tags()).toEqual([{ name: "lang::pl", card_count: 2 }]);
    const one = await api("GET", `/api/v1/flashcards/${cards.body.data[0].id}`, { token: owner.accessToken });
    expect(one.body.tags).toEqual(["lang::pl"]);
  });

  it("answers 404 for an unknown or another user's tag and 400 for a bad name", async () => {
    await post(other, [{ front: "x", tags: ["theirs"] }]);
    expectProblem(await api("DELETE", "/api/v1/tags/theirs", { token: user.accessToken }), 404, "not_found");
    expectProblem(
      await api("PATCH", "/api/v1/tags/theirs", { token: user.accessToken, body: { name: "mine" } }),
      404,
      "not_found",
    );
    expectProblem(
      await api("PATCH", "/api/v1/tags/x", { token: user.accessToken, body: { name: "two words" } }),
      400,
      "validation_failed",
    );
    const theirs = await api("GET", "/api/v1/tags", { token: other.accessToken });
    expect(theirs.body.data.some((t: { name: string }) => t.name === "theirs")).toBe(true);
  });
});

describe("budgets", () => {
  it("bulk create with 100 generations, decks and tags stays one round trip within 50 statements", async () => {
    const generationIds = await Promise.all(Array.from({ length: 100 }, () => seedGeneration(user.id, 5)));
    const d = await deck("BudgetDeck");
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      env: { ...env, DB: db },
      body: {
        flashcards: generationIds.map((generation_id, _i) => ({
          front: "Q0",
          back: "A",
          source: "ai-full",
          generation_id,
          proposal_index: 0,
          deck_id: d,
          tags: Array.from({ length: 20 }, (_, t) => `tag${t}`),
        })),
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(res.body.data[99].tags).toHaveLength(20);
  }, 60_000);

  it("tag endpoints, filtered lists and card patches are one round trip within 50 statements", async () => {
    await post(user, [{ front: "budget", tags: ["budget"] }]);
    const card = (await post(user, [{ front: "budget2" }])).body.data[0].id;
    const d = await deck("BudgetDeck2");
    const cases: [string, string, unknown?][] = [
      ["GET", "/api/v1/tags"],
      ["GET", `/api/v1/flashcards?deck_id=${d}&tag=budget`],
      ["PATCH", `/api/v1/flashcards/${card}`, { deck_id: d, tags: ["budget", "more"] }],
      ["PATCH", "/api/v1/tags/more", { name: "budget" }],
      ["DELETE", "/api/v1/tags/budget"],
    ];
    for (const [method, path, body] of cases) {
      const { db, counter } = countingD1(env.DB);
      const res = await api(method, path, { token: user.accessToken, body, env: { ...env, DB: db } });
      expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(300);
      expect(counter.trips, `${method} ${path}`).toBe(1);
      expect(counter.statements, `${method} ${path}`).toBeLessThanOrEqual(50);
    }
  });
});
