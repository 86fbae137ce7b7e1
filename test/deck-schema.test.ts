/**
 * The rules of migrations 0008/0009 in SQL alone (no HTTP): the deck closure, cycles (also two racing
 * moves), depth, the per-user limit, the card foreign key, the tag rules and the ownership gates. Every
 * later writer (sync, import) relies on these holding whatever code issues the statements.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "./helpers/api";

const db = () => env.DB;
let userId: string;
let otherUserId: string;

async function deck(name: string, parentId: string | null = null, owner = userId): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .prepare(
      "INSERT INTO decks (id, user_id, parent_id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)",
    )
    .bind(id, owner, parentId, name, name.normalize("NFC").toLowerCase())
    .run();
  return id;
}

const move = (id: string, parentId: string | null) =>
  db().prepare("UPDATE decks SET parent_id = ? WHERE id = ?").bind(parentId, id);

async function closure(deckId: string): Promise<string[]> {
  const { results } = await db()
    .prepare("SELECT ancestor_id AS a, distance AS d FROM deck_tree WHERE descendant_id = ? ORDER BY distance")
    .bind(deckId)
    .all<{ a: string; d: number }>();
  return results.map((row) => `${row.a}@${row.d}`);
}

async function card(owner = userId, deckId: string | null = null): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .prepare(
      "INSERT INTO flashcards (id, user_id, front, back, source, created_at, updated_at, due, deck_id) VALUES (?, ?, 'f', 'b', 'manual', 1, 1, 1, ?)",
    )
    .bind(id, owner, deckId)
    .run();
  return id;
}

async function tag(name: string, owner = userId): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .prepare("INSERT INTO tags (id, user_id, name, name_key, created_at) VALUES (?, ?, ?, ?, 1)")
    .bind(id, owner, name, name.toLowerCase())
    .run();
  return id;
}

const link = (cardId: string, tagId: string) =>
  db()
    .prepare("INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id) VALUES (?, ?, ?)")
    .bind(cardId, tagId, userId);

beforeAll(async () => {
  userId = (await registerUser("schema")).id;
  otherUserId = (await registerUser("schema-other")).id;
});

describe("deck tree", () => {
  it("keeps the closure on insert and move", async () => {
    const a = await deck("A");
    const b = await deck("B", a);
    const c = await deck("C", b);
    expect(await closure(c)).toEqual([`${c}@0`, `${b}@1`, `${a}@2`]);
    const x = await deck("X");
    await move(b, x).run();
    expect(await closure(c)).toEqual([`${c}@0`, `${b}@1`, `${x}@2`]);
    expect(await closure(b)).toEqual([`${b}@0`, `${x}@1`]);
    await move(b, null).run();
    expect(await closure(c)).toEqual([`${c}@0`, `${b}@1`]);
  });

  it("refuses a move under itself or a descendant", async () => {
    const a = await deck("CycA");
    const b = await deck("CycB", a);
    await expect(move(a, a).run()).rejects.toThrow(/deck_cycle/);
    await expect(move(a, b).run()).rejects.toThrow(/deck_cycle/);
  });

  it("refuses a cycle made by two racing moves", async () => {
    const a = await deck("RaceA");
    const b = await deck("RaceB");
    const results = await Promise.allSettled([db().batch([move(a, b)]), db().batch([move(b, a)])]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(failure.reason)).toMatch(/deck_cycle/);
  });

  it("allows 8 levels and refuses a 9th, also by moving a subtree", async () => {
    let parent: string | null = null;
    const chain: string[] = [];
    for (let level = 1; level <= 8; level++) {
      parent = await deck(`Deep${level}`, parent);
      chain.push(parent);
    }
    await expect(deck("Deep9", parent)).rejects.toThrow(/deck_too_deep/);
    const top = await deck("Sub");
    await deck("SubChild", top);
    // chain[5] is at depth 6: Sub at 7, SubChild at 8 fits; under chain[6], SubChild would be at 9.
    await move(top, chain[5] as string).run();
    await expect(move(top, chain[6] as string).run()).rejects.toThrow(/deck_too_deep/);
  });

  it("refuses another user's parent", async () => {
    const foreign = await deck("Foreign", null, otherUserId);
    await expect(deck("Mine", foreign)).rejects.toThrow(/deck_not_found/);
    const mine = await deck("Mine2");
    await expect(move(mine, foreign).run()).rejects.toThrow(/deck_not_found/);
  });

  it("keeps sibling names unique by key, roots included", async () => {
    await deck("Ünique");
    await expect(deck("ünique")).rejects.toThrow(/UNIQUE/);
    const parent = await deck("Parent");
    await deck("Child", parent);
    await expect(deck("child", parent)).rejects.toThrow(/UNIQUE/);
    await deck("child"); // a root of the same name is another sibling set
  });

  it("stops at 2,000 decks per user", async () => {
    const user = (await registerUser("limit")).id;
    const inserts = Array.from({ length: 2000 }, (_, i) =>
      db()
        .prepare("INSERT INTO decks (id, user_id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)")
        .bind(crypto.randomUUID(), user, `d${i}`, `d${i}`),
    );
    for (let i = 0; i < inserts.length; i += 500) await db().batch(inserts.slice(i, i + 500));
    await expect(deck("one too many", null, user)).rejects.toThrow(/deck_limit_reached/);
  });

  it("refuses to delete a deck (or a parent of one) holding cards; a cascade takes subdecks", async () => {
    const parent = await deck("Holder");
    const child = await deck("HolderChild", parent);
    const cardId = await card(userId, child);
    await expect(db().prepare("DELETE FROM decks WHERE id = ?").bind(parent).run()).rejects.toThrow(/FOREIGN KEY/);
    await db().prepare("DELETE FROM flashcards WHERE id = ?").bind(cardId).run();
    await db().prepare("DELETE FROM decks WHERE id = ?").bind(parent).run();
    const left = await db()
      .prepare("SELECT count(*) AS n FROM deck_tree WHERE descendant_id IN (?, ?)")
      .bind(parent, child)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect(await db().prepare("SELECT 1 FROM decks WHERE id = ?").bind(child).first()).toBeNull();
  });
});

describe("tags", () => {
  it("allows 20 tags per card and refuses the 21st", async () => {
    const cardId = await card();
    const ids = await Promise.all(Array.from({ length: 21 }, (_, i) => tag(`t21-${i}`)));
    await db().batch(ids.slice(0, 20).map((id) => link(cardId, id)));
    await expect(link(cardId, ids[20] as string).run()).rejects.toThrow(/too_many_tags/);
  });

  it("removes a tag with its last link, also when the card is deleted", async () => {
    const first = await card();
    const second = await card();
    const tagId = await tag("prune-me");
    await db().batch([link(first, tagId), link(second, tagId)]);
    await db().prepare("DELETE FROM flashcard_tags WHERE flashcard_id = ?").bind(first).run();
    expect(await db().prepare("SELECT 1 FROM tags WHERE id = ?").bind(tagId).first()).not.toBeNull();
    await db().prepare("DELETE FROM flashcards WHERE id = ?").bind(second).run();
    expect(await db().prepare("SELECT 1 FROM tags WHERE id = ?").bind(tagId).first()).toBeNull();
  });
});

describe("ownership gates", () => {
  it("pass the caller's ids and abort on any foreign one", async () => {
    const mine = await deck("GateMine");
    const theirs = await deck("GateTheirs", null, otherUserId);
    const gate = (ids: (string | null)[]) =>
      db().prepare("INSERT INTO deck_gate (user_id, deck_ids) VALUES (?, ?)").bind(userId, JSON.stringify(ids)).run();
    await gate([mine, null]);
    await expect(gate([mine, theirs])).rejects.toThrow(/deck_not_found/);

    const myCard = await card();
    const theirCard = await card(otherUserId);
    const cardGate = (ids: string[]) =>
      db()
        .prepare("INSERT INTO flashcard_gate (user_id, flashcard_ids) VALUES (?, ?)")
        .bind(userId, JSON.stringify(ids))
        .run();
    await cardGate([myCard]);
    await expect(cardGate([myCard, theirCard])).rejects.toThrow(/flashcard_not_found/);
    await expect(
      db()
        .prepare("INSERT INTO generation_list_gate (user_id, generation_ids) VALUES (?, ?)")
        .bind(userId, JSON.stringify([crypto.randomUUID()]))
        .run(),
    ).rejects.toThrow(/generation_not_found/);
  });
});
