/**
 * Tags: list with card counts, rename (merging into an existing tag), delete from every card. A tag
 * exists while a card carries it (migrations/0015 prunes unused ones). Each request is one D1 batch.
 */
import { and, eq, sql } from "drizzle-orm";
import { selectFromSql } from "../../db/deck-queries";
import { flashcards, flashcardTags, tags } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound } from "../../lib/errors";
import { nameKey } from "../../lib/name-key";
import type { TagJson } from "./tags.schemas";

/** The id of the user's tag with this key, as a scalar subquery. */
const tagIdSql = (userId: string, key: string) =>
  sql`(SELECT id FROM tags WHERE user_id = ${userId} AND name_key = ${key})`;

/** Moves `updated_at` of every card carrying the tag (a tag change is a change of those cards). */
const touchCardsOf = (deps: AuthedDeps, key: string) =>
  deps.db
    .update(flashcards)
    .set({ updatedAt: deps.now })
    .where(
      and(
        eq(flashcards.userId, deps.auth.userId),
        sql`${flashcards.id} IN (SELECT flashcard_id FROM flashcard_tags WHERE tag_id = ${tagIdSql(deps.auth.userId, key)})`,
      ),
    );

/** One tag with its card count, by key. */
const tagWithCount = (deps: AuthedDeps, key: string) =>
  selectFromSql<{ name: string; card_count: number }>(
    deps.db,
    sql`SELECT t.name AS name, (SELECT count(*) FROM flashcard_tags WHERE tag_id = t.id) AS card_count
      FROM tags AS t WHERE t.user_id = ${deps.auth.userId} AND t.name_key = ${key}`,
    ["name", "card_count"],
  );

/** Every tag of the caller with how many cards carry it, by name (case-insensitively). One round trip. */
export async function listTags(deps: AuthedDeps): Promise<{ data: TagJson[] }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    selectFromSql<{ name: string; card_count: number; name_key: string }>(
      deps.db,
      sql`SELECT t.name AS name, t.name_key AS name_key, (SELECT count(*) FROM flashcard_tags WHERE tag_id = t.id) AS card_count
        FROM tags AS t WHERE t.user_id = ${deps.auth.userId}`,
      ["name", "card_count"],
    ).orderBy(sql`"name_key"`),
  ]);
  return { data: rows.map((row) => ({ name: row.name, card_count: Number(row.card_count) })) };
}

/**
 * Renames a tag on every card. Onto another existing tag it merges (that tag keeps its spelling; a card
 * holding both keeps one); onto the same key it changes the spelling. One round trip.
 * @throws ApiError 404 when the caller has no such tag.
 */
export async function renameTag(deps: AuthedDeps, name: string, newName: string): Promise<TagJson> {
  const { db, auth, now } = deps;
  const from = nameKey(name);
  const to = nameKey(newName);
  const source = tagIdSql(auth.userId, from);
  const statements =
    from === to
      ? [
          db
            .update(tags)
            .set({ name: newName })
            .where(and(eq(tags.userId, auth.userId), eq(tags.nameKey, from))),
        ]
      : [
          touchCardsOf(deps, from),
          db
            .insert(tags)
            .select(
              db
                .select({
                  id: sql<string>`${crypto.randomUUID()}`.as("id"),
                  userId: sql<string>`${auth.userId}`.as("user_id"),
                  name: sql<string>`${newName}`.as("name"),
                  nameKey: sql<string>`${to}`.as("name_key"),
                  createdAt: sql<number>`${now}`.as("created_at"),
                })
                .from(sql`(SELECT 1)`)
                .where(sql`${source} IS NOT NULL`),
            )
            .onConflictDoNothing(),
          // UPDATE, not INSERT + DELETE: a card at the 20-tag limit stays within it while merging. A card
          // that holds both keeps its link to the source only, which goes with the source below.
          db
            .update(flashcardTags)
            .set({ tagId: tagIdSql(auth.userId, to) })
            .where(
              and(
                eq(flashcardTags.userId, auth.userId),
                sql`${flashcardTags.tagId} = ${source}`,
                sql`${flashcardTags.flashcardId} NOT IN (SELECT flashcard_id FROM flashcard_tags WHERE tag_id = ${tagIdSql(auth.userId, to)})`,
              ),
            ),
          db.delete(tags).where(and(eq(tags.userId, auth.userId), eq(tags.nameKey, from))),
        ];
  const results = (await authedBatch(db, auth, now, [
    tagWithCount(deps, from),
    ...statements,
    tagWithCount(deps, to),
  ] as never)) as unknown as { name: string; card_count: number }[][];
  if (!results[0]?.[0]) throw notFound("tag", name);
  const renamed = results.at(-1)?.[0];
  if (!renamed) throw new Error("the renamed tag was not read back");
  return { name: renamed.name, card_count: Number(renamed.card_count) };
}

/**
 * Removes a tag from every card (their `updated_at` moves) and deletes it. One round trip.
 * @throws ApiError 404 when the caller has no such tag.
 */
export async function deleteTag(deps: AuthedDeps, name: string): Promise<void> {
  const key = nameKey(name);
  const [, deleted] = await authedBatch(deps.db, deps.auth, deps.now, [
    touchCardsOf(deps, key),
    deps.db
      .delete(tags)
      .where(and(eq(tags.userId, deps.auth.userId), eq(tags.nameKey, key)))
      .returning({ id: tags.id }),
  ]);
  if (deleted.length === 0) throw notFound("tag", name);
}
