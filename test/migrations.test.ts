/**
 * The one table rebuild (0008_widen_checks) keeps every row, rowid, review, search hit, index and trigger:
 * migrations up to 0007 are applied to an empty database, data is written in SQL (today's app code expects
 * later migrations' tables and columns), then 0008.
 */
import { applyD1Migrations, env, reset } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ftsPhrase } from "../src/db/card-search";
import { api, registerUser, type TestUser } from "./helpers/api";
import { seedGeneration } from "./helpers/fixtures";

const REBUILD = "0008_widen_checks.sql";

async function all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

const schemaSql = () =>
  all<{ type: string; name: string; sql: string | null }>(
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('flashcards', 'review_logs') ORDER BY type, name",
  );

describe(`migration ${REBUILD}`, () => {
  let user: TestUser;
  let cards: { id: string; front: string }[];
  let before: {
    rows: unknown[];
    reviews: unknown[];
    hits: unknown;
    objects: { type: string; name: string }[];
  };

  beforeAll(async () => {
    const index = env.TEST_MIGRATIONS.findIndex((m) => m.name === REBUILD);
    expect(index).toBeGreaterThan(0);
    await reset();
    // Later migrations that do not touch the rebuilt tables (additive ones the API's code paths need,
    // e.g. the common-password gate of registration) go in before the rebuild; they are skipped after.
    // A migration that uses a table a skipped migration creates (deck_tree, tags, ...) is skipped too.
    const skippedTables = new Set(["flashcards", "review_logs"]);
    const independent = env.TEST_MIGRATIONS.slice(index + 1).filter((m) => {
      const names = m.queries.flatMap((query) => [...query.matchAll(/\b\w+\b/g)].map(([word]) => word));
      if (names.every((name) => !skippedTables.has(name))) return true;
      for (const query of m.queries) {
        for (const [, table] of query.matchAll(/CREATE (?:TABLE|VIEW) `?(\w+)`?/gi)) skippedTables.add(table!);
      }
      return false;
    });
    await applyD1Migrations(env.DB, [...env.TEST_MIGRATIONS.slice(0, index), ...independent]);

    user = await registerUser("migration");
    const generationId = await seedGeneration(user.id, 5);
    // Cards are written in SQL, not through the API: today's API writes columns later migrations add.
    const insertCard = async (front: string, back: string, source: string, generation: string | null) => {
      const id = crypto.randomUUID();
      const now = Date.now();
      await env.DB.prepare(
        `INSERT INTO flashcards (id, user_id, generation_id, front, back, source, created_at, updated_at, due)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
        .bind(id, user.id, generation, front, back, source, now, now, now)
        .run();
      return { id, front };
    };
    cards = [
      await insertCard("What is photosynthesis?", "Light to sugar", "manual", null),
      await insertCard("Where was Copernicus born?", "Toruń", "ai-full", generationId),
      await insertCard("Kraków was the capital until?", "1596", "ai-edited", generationId),
    ];
    // A deleted card leaves a rowid gap, so a renumbering copy would shift every later rowid.
    const extra = await insertCard("gap", "gap", "manual", null);
    await env.DB.prepare("DELETE FROM flashcards WHERE id = ?").bind(extra.id).run();
    cards.push(await insertCard("Emoji 🦊🦊🦊", "fox", "manual", null));
    // Reviews too: today's review path reads tables later migrations add (user settings).
    for (const [i, card, rating] of [
      [0, cards[0]!, 3],
      [1, cards[0]!, 1],
      [2, cards[1]!, 4],
    ] as const) {
      await env.DB.prepare(
        `INSERT INTO review_logs (id, user_id, flashcard_id, rating, state, due, stability, difficulty, elapsed_days,
           last_elapsed_days, scheduled_days, learning_steps, next_due, reviewed_at)
         VALUES (?, ?, ?, ?, 0, 1000, 0, 0, 0, 0, 0, 0, 2000, ?)`,
      )
        .bind(crypto.randomUUID(), user.id, card.id, rating, 2000 + i)
        .run();
    }
    before = await snapshot();
    expect(before.reviews).toHaveLength(3);

    // Up to the rebuild only: later migrations add columns and indexes the snapshots would then show.
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS.slice(0, index + 1));
  });

  async function snapshot() {
    return {
      rows: await all("SELECT rowid AS rid, * FROM flashcards ORDER BY rowid"),
      reviews: await all("SELECT rowid AS rid, * FROM review_logs ORDER BY rowid"),
      hits: await searches(),
      objects: (await schemaSql()).map(({ type, name }) => ({ type, name })),
    };
  }

  async function searches() {
    const out: Record<string, string[]> = {};
    // The app's own search predicate, in SQL: the app's list selects columns later migrations add.
    for (const q of ["photosynth", "toruń", "KRAKOW", "🦊🦊🦊", "capital"]) {
      const rows = await all<{ id: string }>(
        "SELECT id FROM flashcards WHERE user_id = ? AND rowid IN (SELECT rowid FROM flashcards_fts WHERE flashcards_fts MATCH ?) ORDER BY id",
        user.id,
        ftsPhrase(q),
      );
      out[q] = rows.map((r) => r.id);
    }
    // The FTS index itself, not only the API's view of it.
    out.fts = (await all<{ rowid: number }>("SELECT rowid FROM flashcards_fts ORDER BY rowid")).map((r) =>
      String(r.rowid),
    );
    return out;
  }

  it("keeps every flashcard with its rowid, every review and every search hit", async () => {
    const after = await snapshot();
    expect(after.rows).toEqual(before.rows);
    expect(after.reviews).toEqual(before.reviews);
    expect(after.hits).toEqual(before.hits);
    expect((before.hits as Record<string, string[]>).photosynth).toEqual([cards[0]!.id]);
  });

  it("keeps every index (including the partial queue indexes) and the FTS triggers", async () => {
    const after = await schemaSql();
    expect(after.map(({ type, name }) => ({ type, name }))).toEqual(before.objects);
    const names = after.map((o) => o.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "flashcards_user_review_due_idx",
        "flashcards_user_new_idx",
        "flashcards_user_learning_due_idx",
        "review_logs_user_first_reviews_idx",
        "flashcards_fts_after_insert",
        "flashcards_fts_after_delete",
        "flashcards_fts_after_update",
      ]),
    );
    // No leftovers of the rebuild, and review_logs points at the renamed table.
    for (const o of after) expect(o.sql ?? "").not.toContain("__new_");
    const fks = await all<{ table: string }>("SELECT \"table\" FROM pragma_foreign_key_list('review_logs')");
    expect(fks.map((f) => f.table).sort()).toEqual(["flashcards", "study_sessions", "users"]);
    expect(await all("PRAGMA foreign_key_check")).toEqual([]);
    // FTS5's own check that the index matches the external content table row for row (throws if not).
    await env.DB.prepare("INSERT INTO flashcards_fts(flashcards_fts, rank) VALUES ('integrity-check', 1)").run();
  });

  it("keeps the search index in sync after the rebuild (insert, update, delete)", async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const history = await api("GET", `/api/v1/flashcards/${cards[0]!.id}/reviews`, { token: user.accessToken });
    expect(history.body.data).toHaveLength(2);
    const created = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: [{ front: "Tectonic plates", back: "move", source: "manual" }] },
    });
    const id = created.body.data[0].id;
    const find = async (q: string) =>
      (await api("GET", `/api/v1/flashcards?q=${encodeURIComponent(q)}`, { token: user.accessToken })).body.data.map(
        (c: { id: string }) => c.id,
      );
    expect(await find("tecton")).toEqual([id]);
    await api("PATCH", `/api/v1/flashcards/${id}`, { token: user.accessToken, body: { front: "Continental drift" } });
    expect(await find("tecton")).toEqual([]);
    expect(await find("drift")).toEqual([id]);
    await api("DELETE", `/api/v1/flashcards/${id}`, { token: user.accessToken });
    expect(await find("drift")).toEqual([]);
  });

  it("widens the CHECKs: an imported source, rating 0, and no generation on manual or imported cards", async () => {
    const insertCard = (source: string, generationId: string | null) =>
      env.DB.prepare(
        `INSERT INTO flashcards (id, user_id, generation_id, front, back, source, created_at, updated_at, due)
         VALUES (?, ?, ?, 'f', 'b', ?, 0, 0, 0)`,
      )
        .bind(crypto.randomUUID(), user.id, generationId, source)
        .run();
    const generationId = await seedGeneration(user.id, 5);
    await expect(insertCard("imported", null)).resolves.toBeTruthy();
    await expect(insertCard("ai-full", null)).resolves.toBeTruthy();
    await expect(insertCard("ai-edited", generationId)).resolves.toBeTruthy();
    await expect(insertCard("manual", generationId)).rejects.toThrow(/CHECK constraint failed/);
    await expect(insertCard("imported", generationId)).rejects.toThrow(/CHECK constraint failed/);
    await expect(insertCard("other", null)).rejects.toThrow(/CHECK constraint failed/);

    const insertReview = (rating: number) =>
      env.DB.prepare(
        `INSERT INTO review_logs (id, user_id, flashcard_id, rating, state, due, stability, difficulty, elapsed_days,
           last_elapsed_days, scheduled_days, learning_steps, next_due, reviewed_at)
         VALUES (?, ?, ?, ?, 2, 0, 1, 1, 0, 0, 0, 0, 0, 0)`,
      )
        .bind(crypto.randomUUID(), user.id, cards[0]!.id, rating)
        .run();
    await expect(insertReview(0)).resolves.toBeTruthy();
    await expect(insertReview(4)).resolves.toBeTruthy();
    await expect(insertReview(5)).rejects.toThrow(/CHECK constraint failed/);
    await expect(insertReview(-1)).rejects.toThrow(/CHECK constraint failed/);
  });
});
