/**
 * Query plans of the deck and tag hot paths at production size: one learner with 2,000 decks (50 roots
 * × 39 subdecks), 100,000 cards spread over them, 20 tags on 150,000 links, and a second learner beside
 * them. EXPLAIN QUERY PLAN of the deck-filtered and tag-filtered lists, the per-deck and per-tag queue
 * statements, the scoped stats counts and the deck counts, first without planner statistics (a fresh
 * database) and again after ANALYZE (as after `PRAGMA optimize`): each must reach every table through an
 * index, never by scanning the cards, links, tags or the closure.
 */
import { env } from "cloudflare:test";
import { count } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { deckListSql, deckView, deckViewSql } from "../src/db/deck-queries";
import { flashcards } from "../src/db/schema";
import { buildListQuery } from "../src/routes/flashcards/flashcards.handlers";
import { listFlashcardsQuerySchema } from "../src/routes/flashcards/flashcards.schemas";
import { buildQueueStatements, queueConditions } from "../src/study/queue";
import { api, registerUser, type TestUser } from "./helpers/api";

const CARDS = 100_000;
const ROOTS = 50;
const CHILDREN = 39;
const TAGS = 20;
/** Set to true to print every plan (when a plan changes and you want to see it). */
const PRINT_PLANS = false;

let user: TestUser;
let rootDeck: string;
let leafDeck: string;
const dialect = new SQLiteSyncDialect();

/** Seeds the collection in SQL (the API would need 1,000 requests): decks, cards, tags, links. */
async function seed(userId: string) {
  const now = Date.now();
  const run = (sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .run();
  const series = (n: number) => `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1})`;
  await run(
    `${series(ROOTS)} INSERT INTO decks (id, user_id, parent_id, name, name_key, created_at, updated_at)
     SELECT printf('00000000-0000-4000-8000-%012d', i), ?1, NULL, printf('Root %d', i), printf('root %d', i), ?2, ?2 FROM s`,
    userId,
    now,
  );
  await run(
    `${series(ROOTS * CHILDREN)} INSERT INTO decks (id, user_id, parent_id, name, name_key, created_at, updated_at)
     SELECT printf('00000000-0000-4000-8000-%012d', 1000 + i), ?1, printf('00000000-0000-4000-8000-%012d', i % ${ROOTS}), printf('Leaf %d', i), printf('leaf %d', i), ?2, ?2 FROM s`,
    userId,
    now,
  );
  // Cards: every deck gets 50; 60 % new, the rest in review/learning, due spread over ±30 days.
  await run(
    `${series(CARDS)} INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state, deck_id)
     SELECT printf('card-%06d', i), ?1, 'front ' || i, 'front ' || i, 'back', 'manual', ?2 - i * 1000, ?2 - i * 1000,
       ?2 + ((i * 7919) % 60 - 30) * 86400000, CASE WHEN i % 10 < 6 THEN 0 WHEN i % 10 = 6 THEN 1 ELSE 2 END,
       CASE WHEN i % 2 = 0 THEN printf('00000000-0000-4000-8000-%012d', i % ${ROOTS}) ELSE printf('00000000-0000-4000-8000-%012d', 1000 + i % ${ROOTS * CHILDREN}) END
     FROM s`,
    userId,
    now,
  );
  await run(
    `${series(TAGS)} INSERT INTO tags (id, user_id, name, name_key, created_at)
     SELECT printf('tag-%02d', i), ?1, CASE WHEN i < 10 THEN printf('lang::%d', i) ELSE printf('topic%d', i) END,
       CASE WHEN i < 10 THEN printf('lang::%d', i) ELSE printf('topic%d', i) END, ?2 FROM s`,
    userId,
    now,
  );
  // 1.5 links per card: every card one tag, every other card a second one.
  await run(
    `INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id)
     SELECT id, printf('tag-%02d', CAST(substr(id, 6) AS INTEGER) % ${TAGS}), user_id FROM flashcards WHERE user_id = ?1
     UNION ALL
     SELECT id, printf('tag-%02d', (CAST(substr(id, 6) AS INTEGER) + 7) % ${TAGS}), user_id FROM flashcards
     WHERE user_id = ?1 AND CAST(substr(id, 6) AS INTEGER) % 2 = 0`,
    userId,
  );
}

/** The plan of a drizzle query or SQL, one detail per line. */
async function planOf(
  query: { toSQL(): { sql: string; params: unknown[] } } | Parameters<typeof dialect.sqlToQuery>[0],
) {
  const { sql, params } = "toSQL" in query ? query.toSQL() : dialect.sqlToQuery(query);
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

/** A table reached without an index ("SCAN flashcards", not "SCAN flashcards USING INDEX ..."). */
const FULL_SCAN = /SCAN (flashcards|flashcard_tags|tags|deck_tree|decks)\b(?! USING)/;

/** The plans of every hot deck and tag query, by name. */
async function hotPlans() {
  const db = createDb(env.DB);
  const list = (raw: Record<string, unknown>, plan: "walk" | "scope" = "walk") =>
    planOf(buildListQuery(db, user.id, listFlashcardsQuerySchema.parse(raw), undefined, plan));
  const queue = (scope: { deckId?: string; tags?: string[] }) =>
    buildQueueStatements(db, user.id, {
      now: Date.now(),
      limit: 20,
      dayStart: Date.now() - 3_600_000,
      newCardsPerDay: 20,
      reviewsPerDay: 9999,
      scope,
    });
  const plans: Record<string, string> = {
    "list: deck only": await list({ deck_id: leafDeck, subdecks: "false" }),
    "list: deck with subdecks": await list({ deck_id: rootDeck }),
    "list: tag": await list({ tag: "topic12" }),
    "list: parent tag": await list({ tag: "lang" }),
    "list: small deck with subdecks": await list({ deck_id: rootDeck }, "scope"),
    "list: small tag": await list({ tag: "topic12" }, "scope"),
    "deck counts": await planOf(deckListSql(user.id, Date.now())),
    "deck counts: one deck": await planOf(deckViewSql(user.id, Date.now(), rootDeck)),
  };
  const [due, fresh, dueCount, learningCount, newCount] = queue({ deckId: rootDeck });
  Object.assign(plans, {
    "deck queue: due cards": await planOf(due),
    "deck queue: new cards": await planOf(fresh),
    "deck queue: due count": await planOf(dueCount),
    "deck queue: learning count": await planOf(learningCount),
    "deck queue: new count": await planOf(newCount),
  });
  const [tagDue, tagNew] = queue({ tags: ["topic12"] });
  plans["tag queue: due cards"] = await planOf(tagDue);
  plans["tag queue: new cards"] = await planOf(tagNew);
  const { user: scoped } = queueConditions(user.id, { deckId: rootDeck });
  plans["deck stats: by state"] = await planOf(
    db.select({ state: flashcards.state, n: count() }).from(flashcards).where(scoped).groupBy(flashcards.state),
  );
  // Fails with every plan in the message, to read them after a change.
  if (PRINT_PLANS) expect(Object.entries(plans).map(([k, v]) => `## ${k}\n${v}`)).toEqual([]);
  return plans;
}

beforeAll(async () => {
  user = await registerUser("plans");
  const neighbour = await registerUser("plans-neighbour");
  await seed(user.id);
  // A neighbour with a few cards of their own, so a missing user_id condition would show.
  await env.DB.prepare(
    `INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state)
     VALUES ('n-1', ?1, 'f', 'f', 'b', 'manual', 1, 1, 1, 0)`,
  )
    .bind(neighbour.id)
    .run();
  rootDeck = "00000000-0000-4000-8000-000000000007";
  leafDeck = "00000000-0000-4000-8000-000000001107";
}, 120_000);

describe("query plans at 100,000 cards and 2,000 decks", () => {
  it("lists a small and a large deck subtree and a tag, each page exactly as sorted in SQL", async () => {
    const expected = async (where: string, ...params: unknown[]) =>
      (
        await env.DB.prepare(
          `SELECT id FROM flashcards WHERE user_id = ?1 AND ${where} ORDER BY created_at DESC, id DESC LIMIT 5`,
        )
          .bind(user.id, ...params)
          .all<{ id: string }>()
      ).results.map((r) => r.id);
    const subtree = "deck_id IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ?2)";
    const small = "00000000-0000-4000-8000-000000000007"; // about 1,000 cards: the scope plan
    const large = "00000000-0000-4000-8000-000000000008"; // about 3,000 cards: the walk
    for (const [query, where, param] of [
      [`deck_id=${small}`, subtree, small],
      [`deck_id=${large}`, subtree, large],
      ["tag=topic12", "id IN (SELECT flashcard_id FROM flashcard_tags WHERE tag_id = ?2)", "tag-12"],
      ["tag=lang", "id IN (SELECT flashcard_id FROM flashcard_tags WHERE tag_id < ?2)", "tag-10"],
    ] as const) {
      const res = await api("GET", `/api/v1/flashcards?limit=5&${query}`, { token: user.accessToken });
      expect(res.status, res.text).toBe(200);
      expect(
        res.body.data.map((c: { id: string }) => c.id),
        query,
      ).toEqual(await expected(where, param));
      const next = await api("GET", `/api/v1/flashcards?limit=5&${query}&cursor=${res.body.pagination.next_cursor}`, {
        token: user.accessToken,
      });
      expect(next.body.data).toHaveLength(5);
    }
  });

  it("reads only the chosen plan's cards for a deck subtree's page (D1 rows_read)", async () => {
    // Both plans run in one batch; each reads cards only when the capped count chose it. With the count
    // in the WHERE instead of the LIMIT, the walk read the user's whole index (100,000+ rows) for a
    // small deck and returned nothing.
    const db = createDb(env.DB);
    const rowsRead = async (deck: string, sort: string, order: string) => {
      const query = listFlashcardsQuerySchema.parse({ deck_id: deck, sort, order });
      let total = 0;
      for (const plan of ["walk", "scope"] as const) {
        const { sql, params } = buildListQuery(db, user.id, query, undefined, plan).toSQL();
        const result = await env.DB.prepare(sql)
          .bind(...params)
          .all();
        total += result.meta.rows_read;
      }
      return total;
    };
    const sparse = leafDeck; // about 50 cards spread over 100,000: the scope plan (the walk found none)
    const small = "00000000-0000-4000-8000-000000000007"; // about 1,000 cards: the scope plan
    const large = "00000000-0000-4000-8000-000000000008"; // about 3,000 cards: the walk
    for (const [sort, order] of [
      ["created_at", "desc"],
      ["updated_at", "asc"],
      ["due", "asc"],
    ] as const) {
      // Two capped counts of the deck's 50 cards and the cards themselves (was 100,313: the whole walk).
      expect(await rowsRead(sparse, sort, order), `sparse ${sort} ${order}`).toBeLessThan(1_000);
      // Two capped counts (<= 2,000 index entries each) and the chosen plan's cards: never the collection.
      expect(await rowsRead(small, sort, order), `small ${sort} ${order}`).toBeLessThan(15_000);
      expect(await rowsRead(large, sort, order), `large ${sort} ${order}`).toBeLessThan(15_000);
    }
  });

  it("lists every deck with the counts and paths a recount from the cards and the closure gives", async () => {
    const now = Date.now();
    const [listed] = await createDb(env.DB).batch([deckView(createDb(env.DB), user.id, now)]);
    const { results: recount } = await env.DB.prepare(
      `WITH counts AS (
         SELECT t.ancestor_id AS id, count(*) AS cards, sum(f.state = 0) AS new, sum(f.suspended) AS suspended,
           sum(f.state <> 0 AND f.due <= ?2) AS due
         FROM deck_tree AS t JOIN flashcards AS f ON f.deck_id = t.descendant_id WHERE t.user_id = ?1 GROUP BY t.ancestor_id),
       paths AS (
         SELECT t.descendant_id AS id, group_concat(a.name, '::' ORDER BY t.distance DESC) AS path,
           group_concat(a.name_key, char(1) ORDER BY t.distance DESC) AS path_key
         FROM deck_tree AS t JOIN decks AS a ON a.id = t.ancestor_id WHERE t.user_id = ?1 GROUP BY t.descendant_id)
       SELECT d.id, d.name, d.parent_id, d.description, p.path, d.created_at, d.updated_at,
         coalesce(c.cards, 0) AS cards, coalesce(c.new, 0) AS new, coalesce(c.suspended, 0) AS suspended,
         coalesce(c.due, 0) AS due, d.version
       FROM decks AS d JOIN paths AS p ON p.id = d.id LEFT JOIN counts AS c ON c.id = d.id
       WHERE d.user_id = ?1 ORDER BY p.path_key`,
    )
      .bind(user.id, now)
      .all();
    expect(listed).toHaveLength(ROOTS * (1 + CHILDREN));
    expect(listed).toEqual(recount);
  });

  it("the collection is seeded", async () => {
    const counts = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM flashcards WHERE user_id = ?1) AS cards, (SELECT count(*) FROM decks WHERE user_id = ?1) AS decks,
        (SELECT count(*) FROM deck_tree WHERE user_id = ?1) AS closure, (SELECT count(*) FROM flashcard_tags WHERE user_id = ?1) AS links`,
    )
      .bind(user.id)
      .first();
    expect(counts).toEqual({
      cards: CARDS,
      decks: ROOTS * (1 + CHILDREN),
      closure: ROOTS * (1 + 2 * CHILDREN),
      links: 150_000,
    });
  });

  for (const statistics of ["without statistics", "after ANALYZE"] as const) {
    it(`uses indexes for every deck and tag hot path (${statistics})`, async () => {
      if (statistics === "after ANALYZE") await env.DB.prepare("ANALYZE").run();
      const plans = await hotPlans();
      for (const [name, plan] of Object.entries(plans)) {
        expect(plan, `${name}:\n${plan}`).not.toMatch(FULL_SCAN);
      }
      expect(plans["list: deck only"]).toContain("flashcards_deck_created_idx");
      expect(plans["list: deck with subdecks"]).toMatch(/deck_tree|sqlite_autoindex_deck_tree/);
      expect(plans["list: tag"]).toContain("tags_user_key_unique");
      expect(plans["list: tag"]).toContain("flashcard_tags_tag_idx");
      // Every deck: the user's due cards in one range of the partial index, not 3 seeks per deck.
      expect(plans["deck counts"]).toContain("flashcards_user_due_deck_idx (user_id=? AND due<?)");
      expect(plans["deck counts"]).not.toContain("flashcards_deck_state_due_idx");
      expect(plans["deck counts: one deck"]).toContain("flashcards_deck_state_due_idx");
      // A small scope is read from its own cards, never by walking the user's index.
      expect(plans["list: small deck with subdecks"]).toMatch(/flashcards_deck_(created|state_due)_idx/);
      expect(plans["list: small tag"]).toContain("flashcard_tags_tag_idx");
      for (const name of ["list: small deck with subdecks", "list: small tag"]) {
        expect(plans[name], name).not.toContain("flashcards_user_");
      }
      expect(plans["deck queue: due cards"]).toContain("flashcards_deck_state_due_idx");
      // The deck's own cards (not the user's whole due list walked in order): suspended and buried_until
      // (#15) are read from the row, so these are index seeks, not covering.
      expect(plans["deck queue: new cards"]).toMatch(/flashcards_deck_(state_due|created)_idx/);
      expect(plans["deck queue: due count"]).toContain("flashcards_deck_state_due_idx");
      expect(plans["deck queue: learning count"]).toContain("flashcards_deck_state_due_idx");
      expect(plans["deck queue: new count"]).toMatch(/flashcards_deck_(state_due|created)_idx/);
      expect(plans["deck stats: by state"]).toContain("flashcards_deck_state_due_idx");
      for (const name of ["tag queue: due cards", "tag queue: new cards"]) {
        expect(plans[name]).toContain("flashcard_tags_tag_idx");
        expect(plans[name]).not.toContain("flashcards_user_");
      }
      for (const name of Object.keys(plans).filter((key) => key.startsWith("deck queue"))) {
        expect(plans[name], name).not.toContain("flashcards_user_");
      }
    });
  }
});
