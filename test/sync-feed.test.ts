/**
 * The change feed (GET /sync/changes, issue #14): a second device following it ends with exactly the
 * first device's collection; deletions leave tombstones (a deck's cascade too); a cursor older than
 * the pruned tombstones answers 410; a write committed while a client pages is not skipped; one round
 * trip per page, index-backed.
 */
import { env } from "cloudflare:test";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { changeFeedStatements } from "../src/db/change-feed";
import { createDb } from "../src/db/client";
import { pruneExpired, TOMBSTONE_DAYS } from "../src/db/prune";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const DAY = 86_400_000;

type Change = { entity: string; op: "upsert" | "delete"; id: string; seq: number; data?: Record<string, unknown> };

/** A device's copy of the collection, kept only from the feed. */
type Device = { cursor?: string; store: Map<string, Record<string, unknown>>; seqs: number[]; pages: number };
const newDevice = (): Device => ({ store: new Map(), seqs: [], pages: 0 });

async function feedPage(user: TestUser, since: string | undefined, limit: number) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (since) query.set("since", since);
  return api("GET", `/api/v1/sync/changes?${query}`, { token: user.accessToken });
}

/** Reads the feed from the device's cursor to the end, applying each change as a client would. */
async function follow(user: TestUser, device: Device, limit = 7) {
  for (;;) {
    const res = await feedPage(user, device.cursor, limit);
    expect(res.status, res.text).toBe(200);
    device.pages++;
    for (const change of res.body.data as Change[]) {
      device.seqs.push(change.seq);
      const key = `${change.entity}:${change.id}`;
      if (change.op === "upsert") {
        expect(change.data, key).toBeDefined();
        device.store.set(key, change.data as Record<string, unknown>);
      } else {
        expect(change.data).toBeUndefined();
        device.store.delete(key);
        // A card's tombstone stands for its reviews.
        if (change.entity === "flashcard") {
          for (const [k, v] of device.store)
            if (k.startsWith("review:") && v.flashcard_id === change.id) device.store.delete(k);
        }
      }
    }
    expect(typeof res.body.pagination.next_cursor).toBe("string");
    device.cursor = res.body.pagination.next_cursor;
    if (!res.body.pagination.has_more) return;
  }
}

async function rows<T>(sql: string, ...params: unknown[]) {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** The first device's collection as the API (and, for ids the API does not show, the database) says. */
async function collection(user: TestUser): Promise<Map<string, Record<string, unknown>>> {
  const truth = new Map<string, Record<string, unknown>>();
  const token = user.accessToken;
  let cursor: string | null = null as string | null;
  const cards: Record<string, unknown>[] = [];
  do {
    const res = await api("GET", `/api/v1/flashcards?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token });
    cards.push(...res.body.data);
    cursor = res.body.pagination.next_cursor;
  } while (cursor);
  for (const card of cards) {
    truth.set(`flashcard:${card.id}`, card);
    const reviews = await api("GET", `/api/v1/flashcards/${card.id}/reviews?limit=100`, { token });
    for (const review of reviews.body.data) truth.set(`review:${review.id}`, review);
  }
  for (const deck of (await api("GET", "/api/v1/decks", { token })).body.data) {
    const { id, name, parent_id, description, created_at, updated_at } = deck;
    truth.set(`deck:${id}`, { id, name, parent_id, description, created_at, updated_at });
  }
  const tagNames = (await api("GET", "/api/v1/tags", { token })).body.data.map((t: { name: string }) => t.name);
  const tags = await rows<{ id: string; name: string }>("SELECT id, name FROM tags WHERE user_id = ?", user.id);
  expect(tags.map((t) => t.name).sort()).toEqual([...tagNames].sort());
  for (const tag of tags) truth.set(`tag:${tag.id}`, { id: tag.id, name: tag.name });
  const sessions = await rows<{ id: string; card_ids: string; started_at: number; finished_at: number | null }>(
    "SELECT id, card_ids, started_at, finished_at FROM study_sessions WHERE user_id = ?",
    user.id,
  );
  // The settings are in the feed once the learner saved some (until then every device uses the defaults).
  const saved = await rows("SELECT 1 FROM user_settings WHERE user_id = ?", user.id);
  if (saved.length > 0) truth.set(`settings:${user.id}`, (await api("GET", "/api/v1/settings", { token })).body);
  for (const s of sessions) {
    truth.set(`study_session:${s.id}`, {
      id: s.id,
      card_ids: JSON.parse(s.card_ids),
      started_at: new Date(s.started_at).toISOString(),
      finished_at: s.finished_at === null ? null : new Date(s.finished_at).toISOString(),
    });
  }
  return truth;
}

const asObject = (map: Map<string, unknown>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

async function expectSameCollection(user: TestUser, device: Device) {
  expect(asObject(device.store)).toEqual(asObject(await collection(user)));
}

async function call(user: TestUser, method: string, path: string, body?: unknown, status = 200) {
  const res = await api(method, path, { token: user.accessToken, body });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.body;
}

const createCards = async (user: TestUser, cards: Record<string, unknown>[]) =>
  (
    await call(user, "POST", "/api/v1/flashcards", { flashcards: cards.map((c) => ({ source: "manual", ...c })) }, 201)
  ).data.map((c: { id: string }) => c.id) as string[];

describe("GET /sync/changes: a second device follows the first", () => {
  it("ends with exactly the first device's collection after creates, edits, moves, deletes and reviews", async () => {
    const user = await registerUser("feed-devices");
    const phone = newDevice();
    await follow(user, phone);
    expect(phone.store.size).toBe(0);

    // Phase 1: decks, tagged cards, a session and reviews.
    const languages = (await call(user, "POST", "/api/v1/decks", { name: "Languages" }, 201)).id;
    const polish = (await call(user, "POST", "/api/v1/decks", { name: "Polish", parent_id: languages }, 201)).id;
    const verbs = (await call(user, "POST", "/api/v1/decks", { name: "Verbs", parent_id: languages }, 201)).id;
    const cards = await createCards(user, [
      { front: "kot", back: "cat", deck_id: polish, tags: ["noun", "animal"] },
      { front: "pies", back: "dog", deck_id: polish, tags: ["noun"] },
      { front: "być", back: "to be", deck_id: verbs, tags: ["verb"] },
      { front: "mieć", back: "to have", deck_id: verbs },
      { front: "loose", back: "card" },
    ]);
    const started = (await call(user, "POST", "/api/v1/study-sessions", { limit: 5 }, 201)).session;
    const session = started.id;
    const planned = started.cards.map((card: { id: string }) => card.id);
    expect([...planned].sort()).toEqual([...cards].sort());
    await call(user, "POST", `/api/v1/flashcards/${cards[0]}/reviews`, { rating: "good", session_id: session });
    await call(user, "POST", `/api/v1/flashcards/${cards[1]}/reviews`, { rating: "again", session_id: session });
    await follow(user, phone);
    await expectSameCollection(user, phone);

    // Phase 2: edits, a move, retagging, a respelled tag, a merge, an undo, an offline batch, a finished
    // session, a renamed and a moved deck, a deleted card and tag.
    const laptop = newDevice();
    await call(user, "PATCH", `/api/v1/flashcards/${cards[0]}`, { back: "a cat" });
    await call(user, "PATCH", `/api/v1/flashcards/${cards[3]}`, { deck_id: polish, tags: ["verb", "irregular"] });
    await follow(user, laptop, 3); // a device that joins mid-way, paging in threes
    await call(user, "PATCH", "/api/v1/tags/noun", { name: "Noun" });
    await call(user, "PATCH", "/api/v1/tags/irregular", { name: "verb" });
    await call(user, "DELETE", `/api/v1/flashcards/${cards[1]}/reviews/latest`);
    const earlier = Date.now() - 3_600_000;
    await call(user, "POST", "/api/v1/reviews/batch", {
      reviews: [
        {
          id: crypto.randomUUID(),
          flashcard_id: cards[2],
          rating: "good",
          reviewed_at: new Date(earlier).toISOString(),
        },
        // Older than the card's latest review: placed in history, the later one replayed (rewritten).
        {
          id: crypto.randomUUID(),
          flashcard_id: cards[0],
          rating: "hard",
          reviewed_at: new Date(earlier).toISOString(),
        },
      ],
    });
    await call(user, "POST", `/api/v1/study-sessions/${session}/finish`);
    await call(user, "PATCH", "/api/v1/settings", { timezone: "Europe/Warsaw", new_cards_per_day: 15 });
    await call(user, "PATCH", `/api/v1/decks/${languages}`, { name: "Języki" });
    await call(user, "PATCH", `/api/v1/decks/${verbs}`, { parent_id: null });
    await call(user, "DELETE", `/api/v1/flashcards/${cards[4]}`, undefined, 204);
    await call(user, "DELETE", "/api/v1/tags/animal", undefined, 204);
    await follow(user, phone);
    await follow(user, laptop, 3);
    await expectSameCollection(user, phone);
    await expectSameCollection(user, laptop);

    // Phase 3: a deck deleted with its cards; its tombstones reach the devices.
    const before = phone.cursor;
    await call(user, "DELETE", `/api/v1/decks/${languages}?cascade=true`, undefined, 204);
    const page = await feedPage(user, before, 1000);
    const deleted = (page.body.data as Change[]).filter((c) => c.op === "delete").map((c) => `${c.entity}:${c.id}`);
    expect(deleted).toEqual(
      expect.arrayContaining([
        `deck:${languages}`,
        `deck:${polish}`,
        `flashcard:${cards[0]}`,
        `flashcard:${cards[1]}`,
        `flashcard:${cards[3]}`,
      ]),
    );
    // The cards' reviews go with the cards' tombstones: no review tombstone per review.
    expect(deleted.filter((key) => key.startsWith("review:"))).toEqual([]);
    await follow(user, phone);
    await expectSameCollection(user, phone);

    // A new device's initial sync gives the same collection; every device saw ascending seqs.
    const tablet = newDevice();
    await follow(user, tablet, 1000);
    expect(tablet.pages).toBe(1);
    await expectSameCollection(user, tablet);
    for (const device of [phone, laptop, tablet]) {
      expect(device.seqs).toEqual([...device.seqs].sort((a, b) => a - b));
      expect(new Set(device.seqs).size).toBe(device.seqs.length);
    }
  });

  it("without since: the whole collection including review history, page by page, then an empty page with a cursor", async () => {
    const user = await registerUser("feed-initial");
    const cards = await createCards(user, [
      { front: "a", back: "1" },
      { front: "b", back: "2" },
      { front: "c", back: "3" },
    ]);
    for (const rating of ["good", "good", "again"]) {
      await call(user, "POST", `/api/v1/flashcards/${cards[0]}/reviews`, { rating });
    }
    const device = newDevice();
    await follow(user, device, 2);
    expect(device.pages).toBe(3); // 6 changes in pages of 2, the last one says has_more false
    expect([...device.store.keys()].filter((k) => k.startsWith("review:"))).toHaveLength(3);
    // Nothing new: an empty page that still carries where to resume.
    const empty = await feedPage(user, device.cursor, 10);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ data: [], pagination: { limit: 10, next_cursor: device.cursor, has_more: false } });
  });

  it("never skips a write committed while a client pages, and orders changes made in one request", async () => {
    const user = await registerUser("feed-race");
    const cards = await createCards(user, [
      { front: "a", back: "1" },
      { front: "b", back: "2" },
      { front: "c", back: "3" },
    ]);
    const first = await feedPage(user, undefined, 2);
    expect(first.body.data.map((c: Change) => c.id)).toEqual(cards.slice(0, 2));
    // One request, three cards in one statement: three changes, consecutive and in order.
    const more = await createCards(user, [
      { front: "d", back: "4" },
      { front: "e", back: "5" },
      { front: "f", back: "6" },
    ]);
    // A card already read changes again: it comes back at a later seq.
    await call(user, "PATCH", `/api/v1/flashcards/${cards[0]}`, { back: "changed" });
    const rest = await feedPage(user, first.body.pagination.next_cursor, 100);
    const seen = rest.body.data as Change[];
    expect(seen.map((c) => c.id)).toEqual([cards[2], ...more, cards[0]]);
    expect(seen.at(-1)?.data?.back).toBe("changed");
    const seqs = seen.map((c) => c.seq);
    expect(seqs[2]! - seqs[1]!).toBe(1);
    expect(seqs[3]! - seqs[2]!).toBe(1);
  });

  it("costs one round trip per page and a fixed number of statements", async () => {
    const user = await registerUser("feed-trips");
    await createCards(
      user,
      Array.from({ length: 30 }, (_, i) => ({ front: `q${i}`, back: `a${i}`, tags: [`t${i % 3}`] })),
    );
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/sync/changes?limit=1000", {
      token: user.accessToken,
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(33);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBe(9); // session check, counter, page, six entity kinds
  });
});

describe("GET /sync/changes: tombstones, pruning and cursors", () => {
  it("keeps tombstones 90 days; a cursor older than the pruned ones answers 410 cursor_expired", async () => {
    const user = await registerUser("feed-expired");
    const [kept, gone] = await createCards(user, [
      { front: "kept", back: "1" },
      { front: "gone", back: "2" },
    ]);
    const old = await feedPage(user, undefined, 100);
    const cursor = old.body.pagination.next_cursor;
    await call(user, "DELETE", `/api/v1/flashcards/${gone}`, undefined, 204);
    const db = createDb(env.DB);
    // 89 days later the tombstone is still there.
    await env.DB.prepare("UPDATE changes SET changed_at = changed_at - ? WHERE user_id = ? AND op = 'delete'")
      .bind((TOMBSTONE_DAYS - 1) * DAY, user.id)
      .run();
    await pruneExpired(db, Date.now());
    const early = await feedPage(user, cursor, 100);
    expect(early.status).toBe(200);
    expect(early.body.data).toEqual([expect.objectContaining({ entity: "flashcard", id: gone, op: "delete" })]);
    // Past 90 days the hourly prune removes it and raises the watermark.
    await env.DB.prepare("UPDATE changes SET changed_at = changed_at - ? WHERE user_id = ? AND op = 'delete'")
      .bind(2 * DAY, user.id)
      .run();
    const pruned = await pruneExpired(db, Date.now());
    expect(pruned.change_tombstones).toBeGreaterThanOrEqual(1);
    expectProblem(await feedPage(user, cursor, 100), 410, "cursor_expired");
    // The client syncs from the start: the live card, no tombstone; its new cursor works.
    const fresh = await feedPage(user, undefined, 100);
    expect(fresh.body.data.map((c: Change) => `${c.op}:${c.id}`)).toEqual([`upsert:${kept}`]);
    expect((await feedPage(user, fresh.body.pagination.next_cursor, 100)).status).toBe(200);
  });

  it("refuses another user's cursor, a forged one and a limit outside 1..1000 with 400", async () => {
    const alice = await registerUser("feed-alice");
    const bob = await registerUser("feed-bob");
    await createCards(alice, [{ front: "a", back: "1" }]);
    const cursor = (await feedPage(alice, undefined, 1)).body.pagination.next_cursor;
    const foreign = await feedPage(bob, cursor, 10);
    expectProblem(foreign, 400, "invalid_cursor");
    expect(foreign.body.errors[0].path).toBe("since");
    expectProblem(await feedPage(bob, "forged", 10), 400, "invalid_cursor");
    expectProblem(await feedPage(alice, undefined, 0), 400, "validation_failed");
    expectProblem(await feedPage(alice, undefined, 1001), 400, "validation_failed");
    // Bob sees none of Alice's changes.
    expect((await feedPage(bob, undefined, 100)).body.data).toEqual([]);
    const def = await api("GET", "/api/v1/sync/changes", { token: alice.accessToken });
    expect(def.body.pagination.limit).toBe(100);
  });

  it("an account's deletion takes its feed with it", async () => {
    const user = await registerUser("feed-account");
    await createCards(user, [{ front: "a", back: "1" }]);
    const res = await api("DELETE", "/api/v1/auth/me", { token: user.accessToken, body: { password: user.password } });
    expect(res.status, res.text).toBe(204);
    expect(await rows("SELECT * FROM changes WHERE user_id = ?", user.id)).toEqual([]);
    expect(await rows("SELECT * FROM sync_counters WHERE user_id = ?", user.id)).toEqual([]);
  });
});

describe("GET /sync/changes: query plans", () => {
  it("records changes and prunes tombstones through indexes (what the triggers and the hourly prune run)", async () => {
    const statements = [
      "DELETE FROM changes WHERE user_id = 'u' AND entity = 'flashcard' AND entity_id = 'x'",
      "UPDATE sync_counters SET seq = seq + 1 WHERE user_id = 'u'",
      "SELECT 1 FROM users WHERE id = 'u'",
      "SELECT 1 FROM flashcards WHERE id = 'x'",
      "UPDATE flashcards SET version = version + 1 WHERE id IN (SELECT flashcard_id FROM flashcard_tags WHERE tag_id = 't')",
      "UPDATE decks SET version = version + 1 WHERE id IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = 'd' AND distance > 0)",
      "SELECT user_id, seq FROM changes WHERE op = 'delete' AND changed_at < 1 ORDER BY changed_at, user_id, seq LIMIT 500",
    ];
    for (const statement of statements) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement}`).all<{ detail: string }>();
      const plan = results.map((r) => r.detail).join("\n");
      expect(plan, statement).not.toMatch(
        /SCAN (changes|sync_counters|users|flashcards|flashcard_tags|decks|deck_tree)\b/,
      );
      if (statement.includes("op = 'delete'")) expect(plan).toContain("changes_tombstones_idx");
    }
  });

  it("reads the page on the primary key and each entity by its key, scanning no table", async () => {
    const user = await registerUser("feed-plan");
    const dialect = new SQLiteSyncDialect();
    const db = createDb(env.DB);
    for (const statement of changeFeedStatements(db, user.id, 0, 101)) {
      const query = dialect.sqlToQuery(statement.getSQL());
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .bind(...query.params)
        .all<{ detail: string }>();
      const plan = results.map((r) => r.detail).join("\n");
      expect(plan, query.sql).not.toMatch(
        /SCAN (changes|flashcards|review_logs|decks|tags|study_sessions|sync_counters)\b/,
      );
      if (query.sql.includes('from "changes"'))
        expect(plan).toMatch(/sqlite_autoindex_changes_1 \(user_id=\? AND seq>\?\)/);
      // An entity read is driven by the page's ids on its primary key, never by a (user_id, …) index,
      // which would walk every row of the user (the feed page grew 12× from 1,000 to 100,000 cards).
      const entity = /^select .* from "(flashcards|review_logs|decks|tags|study_sessions)" where/.exec(query.sql);
      if (entity) {
        expect(plan, query.sql).toMatch(
          new RegExp(`SEARCH ${entity[1]} USING INDEX sqlite_autoindex_${entity[1]}_1 \\(id=\\?\\)`),
        );
        expect(plan, query.sql).not.toMatch(new RegExp(`SEARCH ${entity[1]} USING (COVERING )?INDEX \\w+ \\(user_id=`));
      }
    }
  });
});
