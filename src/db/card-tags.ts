/**
 * Statements that write the tags of cards. Tag names and card ids travel as one JSON parameter each
 * (`json_each`), so a request tagging 500 cards is still a handful of statements with few parameters.
 * The 20-tags-per-card rule and the removal of unused tags are triggers (migrations/0015).
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import { tooManyTags } from "../lib/errors";
import { nameKey } from "../lib/name-key";
import type { Db } from "./client";
import { MAX_TAGS_PER_CARD } from "./deck-rules";
import { flashcardTags, tags } from "./schema";

/**
 * A card's tag list de-duplicated by key (the first spelling in the list wins).
 * @throws ApiError 400 `too_many_tags` past 20 distinct tags.
 */
export function distinctTags(names: readonly string[]): { name: string; key: string }[] {
  const byKey = new Map<string, string>();
  for (const name of names) {
    const key = nameKey(name);
    if (!byKey.has(key)) byKey.set(key, name);
  }
  if (byKey.size > MAX_TAGS_PER_CARD) throw tooManyTags(MAX_TAGS_PER_CARD);
  return [...byKey].map(([key, name]) => ({ name, key }));
}

/** Creates the user's tags that do not exist yet (an existing tag keeps its first spelling). */
export function upsertTags(db: Db, userId: string, names: readonly { name: string; key: string }[], now: number) {
  const rows = JSON.stringify(names.map(({ name, key }) => [crypto.randomUUID(), name, key]));
  return db
    .insert(tags)
    .select(
      db
        .select({
          id: sql<string>`json_extract(value, '$[0]')`.as("id"),
          userId: sql<string>`${userId}`.as("user_id"),
          name: sql<string>`json_extract(value, '$[1]')`.as("name"),
          nameKey: sql<string>`json_extract(value, '$[2]')`.as("name_key"),
          createdAt: sql<number>`${now}`.as("created_at"),
        })
        .from(sql`json_each(${rows})`)
        // "WHERE true": SQLite needs it to parse INSERT … SELECT … ON CONFLICT.
        .where(sql`true`),
    )
    .onConflictDoNothing();
}

/**
 * `INSERT … SELECT` of flashcard–tag links from a join whose aliases are `f` (the user's cards) and `t`
 * (the user's tags); links that exist already are kept. Both linkers below only differ in that join.
 */
function insertLinks(db: Db, userId: string, from: SQL, where: SQL) {
  return db
    .insert(flashcardTags)
    .select(
      db
        .select({
          flashcardId: sql<string>`f.id`.as("flashcard_id"),
          tagId: sql<string>`t.id`.as("tag_id"),
          userId: sql<string>`${userId}`.as("user_id"),
        })
        .from(from)
        .where(sql`${where} AND f.user_id = ${userId} AND t.user_id = ${userId}`),
    )
    .onConflictDoNothing();
}

/**
 * Links cards to tags by key: `links` are `[card id, tag key]` pairs. Only the user's cards and tags are
 * linked; a link that exists already is kept. CROSS JOIN fixes the join order (SQLite keeps it as
 * written): each pair, then the card by primary key, then the tag by `tags_user_key_unique`; left to
 * itself the planner put the JSON table innermost and walked every card and tag of the user per pair.
 */
export function linkTags(db: Db, userId: string, links: readonly [string, string][]) {
  return insertLinks(
    db,
    userId,
    sql`json_each(${JSON.stringify(links)}) AS j CROSS JOIN flashcards AS f CROSS JOIN tags AS t`,
    sql`f.id = json_extract(j.value, '$[0]') AND t.name_key = json_extract(j.value, '$[1]')`,
  );
}

/**
 * Links every given card to every tag key (`cards × keys`, e.g. bulk `add_tags`): two JSON parameters
 * instead of 500 × 20 pairs. Only the user's cards and tags are linked; existing links are kept. The
 * join order is fixed as in `linkTags`: each card by primary key, then each key's tag by
 * `tags_user_key_unique`.
 */
export function linkTagsToCards(db: Db, userId: string, cardIds: readonly string[], keys: readonly string[]) {
  return insertLinks(
    db,
    userId,
    sql`json_each(${JSON.stringify(cardIds)}) AS c CROSS JOIN flashcards AS f CROSS JOIN json_each(${JSON.stringify(keys)}) AS k CROSS JOIN tags AS t`,
    sql`f.id = c.value AND t.name_key = k.value`,
  );
}

/** Unlinks from the given cards every tag whose key is (or, with `keep`, is not) in `keys`. */
export function unlinkTags(
  db: Db,
  userId: string,
  cardIds: readonly string[],
  keys: readonly string[],
  mode: "these" | "all-but-these",
) {
  const tagIds = sql`SELECT id FROM tags WHERE user_id = ${userId} AND name_key IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`;
  return db
    .delete(flashcardTags)
    .where(
      and(
        eq(flashcardTags.userId, userId),
        sql`${flashcardTags.flashcardId} IN (SELECT value FROM json_each(${JSON.stringify(cardIds)}))`,
        mode === "these" ? sql`${flashcardTags.tagId} IN (${tagIds})` : sql`${flashcardTags.tagId} NOT IN (${tagIds})`,
      ),
    );
}
