/**
 * Search with bounded cost (#19): 1–2 character queries, FTS driving a rare term, a bounded walk for a
 * common one (or a short one), pages that end at the walk's window, and D1's own `rows_read` staying
 * under a fixed bound with thousands of cards seeded (no timing).
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SEARCH_FTS_CAP, SEARCH_WINDOW } from "../src/db/card-search";
import { createDb } from "../src/db/client";
import { buildSearchStatements } from "../src/routes/flashcards/flashcards.handlers";
import { listFlashcardsQuerySchema } from "../src/routes/flashcards/flashcards.schemas";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";

const list = (user: TestUser, query: string) => api("GET", `/api/v1/flashcards${query}`, { token: user.accessToken });
const fronts = async (user: TestUser, q: string) => {
  const res = await list(user, `?q=${encodeURIComponent(q)}&limit=100`);
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ front: string }>).map((card) => card.front).sort();
};

/**
 * Seeds `n` cards for `userId` in one statement (the FTS triggers index them): front `card <i> about
 * plants`, except that card i gets `special(i)` when it returns text. Oldest first, one minute apart.
 */
async function seedCards(userId: string, n: number, special: Record<number, string>, tag: string) {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO flashcards (id, user_id, front, back, source, created_at, updated_at, due)
     SELECT printf('%s-0000-4000-8000-%012d', ?2, i), ?3,
            coalesce(json_extract(?4, '$."' || i || '"'), 'card ' || i || ' about plants'),
            'answer ' || i, 'manual', 1700000000000 + i * 60000, 1700000000000 + i * 60000, 1700000000000
     FROM n`,
  )
    .bind(n, tag, userId, JSON.stringify(special))
    .run();
}

/** D1's rows_read of the search statements the app builds for `query` (run one by one). */
async function rowsRead(userId: string, query: Record<string, string>) {
  const db = createDb(env.DB);
  const parsed = listFlashcardsQuerySchema.parse(query) as ReturnType<typeof listFlashcardsQuerySchema.parse> & {
    q: string;
  };
  const statements = buildSearchStatements(db, userId, parsed);
  let total = 0;
  for (const statement of [statements.fts, statements.walk, statements.windowEnd]) {
    if (!statement) continue;
    const { sql, params } = statement.toSQL();
    const result = await env.DB.prepare(sql)
      .bind(...params)
      .all();
    total += result.meta.rows_read;
  }
  return total;
}

/** EXPLAIN QUERY PLAN of one built statement, as one line. */
async function plan(statement: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql, params } = statement.toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((row) => row.detail).join(" | ");
}

describe("search: 1 and 2 characters", () => {
  it("finds short terms (CJK, emoji, ASCII case-insensitively, % and _ literally) in the caller's cards only", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const cards = ["猫", "東京タワー", "a cat", "100% sure", "under_score", "🦊 fox", "Zürich", "plain"];
    const res = await api("POST", "/api/v1/flashcards", {
      token: alice.accessToken,
      body: { flashcards: cards.map((front) => ({ front, back: "back", source: "manual" })) },
    });
    expect(res.status).toBe(201);
    await api("POST", "/api/v1/flashcards", {
      token: bob.accessToken,
      body: { flashcards: [{ front: "猫 of bob", back: "b", source: "manual" }] },
    });
    expect(await fronts(alice, "猫")).toEqual(["猫"]);
    expect(await fronts(alice, "東京")).toEqual(["東京タワー"]);
    expect(await fronts(alice, "🦊")).toEqual(["🦊 fox"]);
    expect(await fronts(alice, "CA")).toEqual(["a cat"]);
    expect(await fronts(alice, "zü")).toEqual(["Zürich"]);
    expect(await fronts(alice, "%")).toEqual(["100% sure"]);
    expect(await fronts(alice, "_")).toEqual(["under_score"]);
    expect(await fronts(alice, "\\")).toEqual([]);
    expect(await fronts(alice, "x")).toEqual(["🦊 fox"]);
    // An emoji and a letter are 2 code points (3 UTF-16 units): the short path, not the trigram index.
    expect(await fronts(alice, "🦊 ")).toEqual(["🦊 fox"]);
    // 3+ characters still go through the trigram index (case- and accent-insensitive).
    expect(await fronts(alice, "ZURICH")).toEqual(["Zürich"]);
  });

  it("answers 400 only for an empty query", async () => {
    const user = await registerUser();
    for (const q of ["", "%20%20"]) {
      const problem = expectProblem(await list(user, `?q=${q}`), 400, "validation_failed");
      expect(problem.errors.map((e: { path: string }) => e.path)).toContain("q");
    }
    expect((await list(user, "?q=a")).status).toBe(200);
  });
});

describe("search: bounded cost at thousands of cards", () => {
  const N = 12_000;
  let big: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    big = await registerUser();
    other = await registerUser();
    // Rare terms: 猫 (1 character) in three cards far apart, "zebra" in one; "plants" in every other card.
    await seedCards(big.id, N, { 10: "猫 one", 6000: "猫 two", 11990: "猫 three", 7000: "a zebra here" }, "aaaaaaaa");
    // Another user makes "zebra" common in the shared FTS index.
    const zebras = Object.fromEntries(Array.from({ length: SEARCH_FTS_CAP + 200 }, (_, i) => [i + 1, `zebra ${i}`]));
    await seedCards(other.id, SEARCH_FTS_CAP + 200, zebras, "bbbbbbbb");
  });

  it("lets FTS drive a rare term: rows by rowid, not a walk of the user's index", async () => {
    const statements = buildSearchStatements(
      createDb(env.DB),
      big.id,
      listFlashcardsQuerySchema.parse({ q: "xylophone" }) as never,
    );
    const fts = await plan(statements.fts as NonNullable<typeof statements.fts>);
    expect(fts).toMatch(/SEARCH flashcards USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(fts).toMatch(/flashcards_fts VIRTUAL TABLE INDEX/);
    expect(fts).not.toMatch(/flashcards_user_created_idx/);
    const walk = await plan(statements.walk);
    expect(walk).toMatch(/SEARCH flashcards USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(walk).toMatch(/flashcards_user_created_idx/);
    for (const p of [fts, walk, await plan(statements.windowEnd)]) expect(p).not.toMatch(/SCAN flashcards(?!_fts)/);
  });

  it("reads a bounded number of rows for no match, a rare short term, a term common elsewhere and a common term", async () => {
    // Each plan's window, its row lookups and its FTS probes, the window end, and the capped count in
    // each of the three statements: a constant, far below the collection (the old walk read all of it).
    const bound = 4 * SEARCH_WINDOW + 3 * (SEARCH_FTS_CAP + 1) + 100;
    // No match: FTS answers alone (nothing but the index is read).
    expect(await rowsRead(big.id, { q: "xylophone" })).toBeLessThan(50);
    for (const q of ["猫", "ab", "zebra", "plants"]) {
      const read = await rowsRead(big.id, { q });
      expect(read, q).toBeLessThan(bound);
      expect(read, q).toBeLessThan(N);
    }
    // The same with filters and another order.
    expect(await rowsRead(big.id, { q: "猫", sort: "due", order: "asc", source: "manual" })).toBeLessThan(bound + 1000);
  });

  it("pages a walking search to its end: partial pages carry a cursor, every match comes once", async () => {
    for (const [q, expected] of [
      ["猫", ["猫 three", "猫 two", "猫 one"]],
      ["zebra", ["a zebra here"]],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(
          big,
          `?q=${encodeURIComponent(q)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((card: { front: string }) => card.front));
        expect(res.body.pagination.has_more).toBe(res.body.pagination.next_cursor !== null);
        cursor = res.body.pagination.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen).toEqual(expected);
      expect(pages).toBeLessThanOrEqual(Math.ceil(N / SEARCH_WINDOW) + 1);
    }
  });

  it("fills a page of a common term from the first window", async () => {
    const res = await list(big, "?q=plants&limit=20");
    expect(res.body.data).toHaveLength(20);
    expect(res.body.data[0].front).toBe(`card ${N} about plants`);
    expect(res.body.pagination.has_more).toBe(true);
  });
});
