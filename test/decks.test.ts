/**
 * The decks endpoints through HTTP: CRUD, names, depth, limit, cycles (also racing moves), delete with
 * and without cascade, counts with subdecks, ownership, round trips and statements, query plans.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { deckListSql, deckViewSql } from "../src/db/deck-queries";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

let user: TestUser;
let other: TestUser;

async function createDeck(body: Record<string, unknown>, who: TestUser = user) {
  return api("POST", "/api/v1/decks", { token: who.accessToken, body });
}

async function deckId(name: string, parentId: string | null = null, who: TestUser = user): Promise<string> {
  const res = await createDeck({ name, parent_id: parentId }, who);
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** Cards straight in SQL, in a deck, optionally reviewed (state 2) and due at `due`. */
async function seedCards(deck: string | null, count: number, options: { state?: number; due?: number } = {}) {
  const statements = Array.from({ length: count }, () =>
    env.DB.prepare(
      `INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state, deck_id)
       VALUES (?, ?, 'f', 'f', 'b', 'manual', 1, 1, ?, ?, ?)`,
    ).bind(crypto.randomUUID(), user.id, options.due ?? 1, options.state ?? 0, deck),
  );
  if (statements.length > 0) await env.DB.batch(statements);
}

beforeAll(async () => {
  user = await registerUser("decks");
  other = await registerUser("decks-other");
});

describe("POST /decks", () => {
  it("creates root and nested decks with path, counts and timestamps", async () => {
    const root = await createDeck({ name: "  Languages ", description: "All of them" });
    expect(root.status).toBe(201);
    expect(root.body).toEqual({
      id: expect.any(String),
      name: "Languages",
      parent_id: null,
      path: "Languages",
      description: "All of them",
      counts: { cards: 0, new: 0, due: 0, suspended: 0 },
      created_at: expect.any(String),
      updated_at: root.body.created_at,
    });
    const child = await createDeck({ name: "Polish", parent_id: root.body.id });
    expect(child.status).toBe(201);
    expect(child.body).toMatchObject({ name: "Polish", parent_id: root.body.id, path: "Languages::Polish" });
  });

  it("refuses a name taken by a sibling, case-insensitively in any script (NFC + lower case)", async () => {
    await deckId("Ärger");
    expectProblem(await createDeck({ name: "ärger" }), 409, "deck_name_taken");
    // NFD spelling of the same name.
    expectProblem(await createDeck({ name: "A\u0308rger" }), 409, "deck_name_taken");
    const parent = await deckId("Σοφία");
    await deckId("Child", parent);
    expectProblem(await createDeck({ name: "CHILD", parent_id: parent }), 409, "deck_name_taken");
    expect((await createDeck({ name: "σοφία::x" })).status).toBe(400);
  });

  it("keeps names with %, _, quotes and FTS syntax literal: no false clash, stored and listed as sent", async () => {
    const owner = await registerUser("deck-names");
    const names = ["100%", "1000", "a_b", "axb", '"quoted" NEAR(x*)', "quoted NEAR x", "O'Brien; DROP TABLE decks"];
    for (const name of names) {
      const res = await createDeck({ name }, owner);
      expect(res.status, `${name}: ${res.text}`).toBe(201);
      expect(res.body.path).toBe(name);
    }
    const listed = await api("GET", "/api/v1/decks", { token: owner.accessToken });
    expect(listed.body.data.map((d: { name: string }) => d.name).sort()).toEqual([...names].sort());
    // The same name with another case is the clash the rule is about, nothing wider.
    expectProblem(await createDeck({ name: "A_B" }, owner), 409, "deck_name_taken");
  });

  it("validates name, parent and description", async () => {
    for (const body of [
      {},
      { name: "" },
      { name: "   " },
      { name: "a::b" },
      { name: "x".repeat(101) },
      { name: "ok", parent_id: "nope" },
      { name: "ok", description: "d".repeat(1001) },
      { name: "ok", user_id: user.id },
    ]) {
      expectProblem(await createDeck(body), 400, "validation_failed");
    }
    expect((await createDeck({ name: "x".repeat(100) })).status).toBe(201);
  });

  it("answers 404 for another user's or an unknown parent, and writes nothing", async () => {
    const theirs = await deckId("Theirs", null, other);
    expectProblem(await createDeck({ name: "Mine", parent_id: theirs }), 404, "not_found");
    expectProblem(await createDeck({ name: "Mine", parent_id: crypto.randomUUID() }), 404, "not_found");
    const mine = await api("GET", "/api/v1/decks", { token: user.accessToken });
    expect(mine.body.data.some((d: { name: string }) => d.name === "Mine")).toBe(false);
  });

  it("allows 8 levels and answers 400 deck_too_deep for a 9th", async () => {
    let parent: string | null = null;
    for (let level = 1; level <= 8; level++) parent = await deckId(`L${level}`, parent);
    expectProblem(await createDeck({ name: "L9", parent_id: parent }), 400, "deck_too_deep");
  });

  it("answers 409 deck_limit_reached at 2,000 decks", async () => {
    const full = await registerUser("decks-full");
    const inserts = Array.from({ length: 2000 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO decks (id, user_id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)",
      ).bind(crypto.randomUUID(), full.id, `d${i}`, `d${i}`),
    );
    for (let i = 0; i < inserts.length; i += 500) await env.DB.batch(inserts.slice(i, i + 500));
    expectProblem(await createDeck({ name: "one more" }, full), 409, "deck_limit_reached");
    const list = await api("GET", "/api/v1/decks", { token: full.accessToken });
    expect(list.body.data).toHaveLength(2000);
  });
});

describe("GET /decks", () => {
  it("lists every deck flat, each right before its subdecks, with counts including subdecks", async () => {
    const owner = await registerUser("decks-list");
    const make = async (name: string, parent: string | null = null) => {
      const res = await createDeck({ name, parent_id: parent }, owner);
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const b = await make("b");
    const a = await make("A");
    const aChild = await make("z", a);
    const ab = await make("A b");
    const now = Date.now();
    const insert = (deck: string, state: number, due: number, suspended = 0) =>
      env.DB.prepare(
        `INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state, deck_id, suspended)
         VALUES (?, ?, 'f', 'f', 'b', 'manual', 1, 1, ?, ?, ?, ?)`,
      ).bind(crypto.randomUUID(), owner.id, due, state, deck, suspended);
    await env.DB.batch([
      insert(a, 0, now),
      insert(aChild, 0, now),
      insert(aChild, 2, now - 1000),
      insert(aChild, 2, now + 86_400_000),
      insert(b, 2, now - 1),
      insert(b, 0, now, 1),
    ]);
    const res = await api("GET", "/api/v1/decks", { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((d: { path: string }) => d.path)).toEqual(["A", "A::z", "A b", "b"]);
    const byId = Object.fromEntries(res.body.data.map((d: { id: string; counts: unknown }) => [d.id, d.counts]));
    expect(byId[a]).toEqual({ cards: 4, new: 2, due: 1, suspended: 0 });
    expect(byId[aChild]).toEqual({ cards: 3, new: 1, due: 1, suspended: 0 });
    expect(byId[b]).toEqual({ cards: 2, new: 1, due: 1, suspended: 1 });
    expect(byId[ab]).toEqual({ cards: 0, new: 0, due: 0, suspended: 0 });
    const one = await api("GET", `/api/v1/decks/${a}`, { token: owner.accessToken });
    expect(one.body).toEqual(res.body.data[0]);
  });

  it("never shows another user's decks; their id answers 404", async () => {
    const theirs = await deckId("Private", null, other);
    const mine = await api("GET", "/api/v1/decks", { token: user.accessToken });
    expect(mine.body.data.some((d: { id: string }) => d.id === theirs)).toBe(false);
    expectProblem(await api("GET", `/api/v1/decks/${theirs}`, { token: user.accessToken }), 404, "not_found");
    expectProblem(
      await api("PATCH", `/api/v1/decks/${theirs}`, { token: user.accessToken, body: { name: "x" } }),
      404,
      "not_found",
    );
    expectProblem(await api("DELETE", `/api/v1/decks/${theirs}`, { token: user.accessToken }), 404, "not_found");
    expect((await api("GET", `/api/v1/decks/${theirs}`, { token: other.accessToken })).status).toBe(200);
    expectProblem(await api("GET", "/api/v1/decks/not-a-uuid", { token: user.accessToken }), 400, "validation_failed");
  });
});

describe("PATCH /decks/:id", () => {
  it("renames, describes and moves, and the path follows", async () => {
    const top = await deckId("Top");
    const mid = await deckId("Mid", top);
    const leaf = await deckId("Leaf", mid);
    const renamed = await api("PATCH", `/api/v1/decks/${top}`, {
      token: user.accessToken,
      body: { name: "Peak", description: "" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Peak", description: null, path: "Peak" });
    const leafNow = await api("GET", `/api/v1/decks/${leaf}`, { token: user.accessToken });
    expect(leafNow.body.path).toBe("Peak::Mid::Leaf");
    const moved = await api("PATCH", `/api/v1/decks/${mid}`, { token: user.accessToken, body: { parent_id: null } });
    expect(moved.body).toMatchObject({ parent_id: null, path: "Mid" });
    expect((await api("GET", `/api/v1/decks/${leaf}`, { token: user.accessToken })).body.path).toBe("Mid::Leaf");
  });

  it("answers 409 deck_cycle under itself or a descendant, and for two racing moves", async () => {
    const a = await deckId("CycleA");
    const b = await deckId("CycleB", a);
    for (const parent of [a, b]) {
      expectProblem(
        await api("PATCH", `/api/v1/decks/${a}`, { token: user.accessToken, body: { parent_id: parent } }),
        409,
        "deck_cycle",
      );
    }
    const x = await deckId("RaceX");
    const y = await deckId("RaceY");
    const [first, second] = await Promise.all([
      api("PATCH", `/api/v1/decks/${x}`, { token: user.accessToken, body: { parent_id: y } }),
      api("PATCH", `/api/v1/decks/${y}`, { token: user.accessToken, body: { parent_id: x } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect([first.body.code, second.body.code]).toContain("deck_cycle");
  });

  it("refuses a move that makes the tree too deep, a taken name, a foreign parent and an empty patch", async () => {
    let parent: string | null = null;
    for (let level = 1; level <= 7; level++) parent = await deckId(`M${level}`, parent);
    const sub = await deckId("Two");
    await deckId("Levels", sub);
    expectProblem(
      await api("PATCH", `/api/v1/decks/${sub}`, { token: user.accessToken, body: { parent_id: parent } }),
      400,
      "deck_too_deep",
    );
    await deckId("Taken");
    expectProblem(
      await api("PATCH", `/api/v1/decks/${sub}`, { token: user.accessToken, body: { name: "TAKEN" } }),
      409,
      "deck_name_taken",
    );
    const theirs = await deckId("TheirParent", null, other);
    expectProblem(
      await api("PATCH", `/api/v1/decks/${sub}`, { token: user.accessToken, body: { parent_id: theirs } }),
      404,
      "not_found",
    );
    expectProblem(
      await api("PATCH", `/api/v1/decks/${sub}`, { token: user.accessToken, body: {} }),
      400,
      "validation_failed",
    );
  });
});

describe("DELETE /decks/:id", () => {
  it("deletes an empty deck with its subdecks", async () => {
    const top = await deckId("EmptyTop");
    const child = await deckId("EmptyChild", top);
    expect((await api("DELETE", `/api/v1/decks/${top}`, { token: user.accessToken })).status).toBe(204);
    expect((await api("GET", `/api/v1/decks/${child}`, { token: user.accessToken })).status).toBe(404);
  });

  it("answers 409 deck_not_empty naming the count while a subdeck holds cards; cascade deletes them and their reviews", async () => {
    const top = await deckId("FullTop");
    const child = await deckId("FullChild", top);
    await seedCards(child, 3);
    const refused = expectProblem(
      await api("DELETE", `/api/v1/decks/${top}`, { token: user.accessToken }),
      409,
      "deck_not_empty",
    );
    expect(refused.detail).toContain("3 cards");
    const card = await env.DB.prepare("SELECT id FROM flashcards WHERE deck_id = ? LIMIT 1").bind(child).first<{
      id: string;
    }>();
    const review = await api("POST", `/api/v1/flashcards/${card?.id}/reviews`, {
      token: user.accessToken,
      body: { rating: "good" },
    });
    expect(review.status).toBe(200);
    expect((await api("DELETE", `/api/v1/decks/${top}?cascade=true`, { token: user.accessToken })).status).toBe(204);
    const left = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM flashcards WHERE deck_id IN (?, ?)) AS cards, (SELECT count(*) FROM review_logs WHERE flashcard_id = ?) AS reviews, (SELECT count(*) FROM decks WHERE id IN (?, ?)) AS decks",
    )
      .bind(top, child, card?.id, top, child)
      .first();
    expect(left).toEqual({ cards: 0, reviews: 0, decks: 0 });
  });

  it("validates the cascade parameter", async () => {
    const id = await deckId("CascadeParam");
    expectProblem(
      await api("DELETE", `/api/v1/decks/${id}?cascade=yes`, { token: user.accessToken }),
      400,
      "validation_failed",
    );
  });
});

describe("budgets", () => {
  it("every deck endpoint is one round trip within 50 statements", async () => {
    const id = await deckId("Budget");
    const cases: [string, string, unknown?][] = [
      ["POST", "/api/v1/decks", { name: "Budget2" }],
      ["GET", "/api/v1/decks"],
      ["GET", `/api/v1/decks/${id}`],
      ["PATCH", `/api/v1/decks/${id}`, { name: "Budget3", parent_id: null }],
      ["DELETE", `/api/v1/decks/${id}?cascade=true`],
    ];
    for (const [method, path, body] of cases) {
      const { db, counter } = countingD1(env.DB);
      const res = await api(method, path, { token: user.accessToken, body, env: { ...env, DB: db } });
      expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(300);
      expect(counter.trips, `${method} ${path}`).toBe(1);
      expect(counter.statements, `${method} ${path}`).toBeLessThanOrEqual(50);
    }
  });

  it("counts one deck from the covering deck index, never scanning flashcards", async () => {
    const id = await deckId("Planned");
    const view = deckViewSql(user.id, Date.now(), id);
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${toSqlText(view)}`)
      .bind(...toSqlParams(view))
      .all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join("\n");
    expect(plan).toContain("USING COVERING INDEX flashcards_deck_state_due_idx");
    // Cards, new and suspended come from the maintained counters' primary key, not from the cards.
    expect(plan).toMatch(/card_counts USING (COVERING )?INDEX sqlite_autoindex_card_counts_1/);
    // Every table is reached through an index (only the CTE "p" is scanned).
    expect(plan).not.toMatch(/SCAN (flashcards|decks|deck_tree|d|a|t)\b/);
  });

  it("counts every deck from the user's counters and due-card ranges, never scanning a table", async () => {
    const list = deckListSql(user.id, Date.now());
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${toSqlText(list)}`)
      .bind(...toSqlParams(list))
      .all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join("\n");
    expect(plan).toContain("flashcards USING INDEX flashcards_user_due_deck_idx (user_id=? AND due<?)");
    expect(plan).toMatch(/card_counts USING (COVERING )?INDEX sqlite_autoindex_card_counts_1 \(user_id=\?\)/);
    expect(plan).toContain("decks_parent_idx (parent_id=?)");
    // Every table is reached through an index (only CTEs are scanned).
    expect(plan).not.toMatch(/SCAN (flashcards|decks|deck_tree|card_counts)\b/);
  });
});

import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";

const dialect = new SQLiteSyncDialect();
const toSqlText = (query: Parameters<SQLiteSyncDialect["sqlToQuery"]>[0]) => dialect.sqlToQuery(query).sql;
const toSqlParams = (query: Parameters<SQLiteSyncDialect["sqlToQuery"]>[0]) => dialect.sqlToQuery(query).params;
