/**
 * SQL conditions that scope cards to a deck (with its subdecks through the closure table) and to tags
 * (hierarchically, by a key range on `tags_user_key_unique`, never LIKE), and the one statement that
 * checks the named deck and tags are the caller's, so an unknown or foreign one answers 404 in the same
 * round trip.
 */
import { type SQL, sql } from "drizzle-orm";
import type { CardScope } from "../lib/card-scope-params";
import { notFound } from "../lib/errors";
import { tagKeyRange } from "../lib/name-key";
import type { Db } from "./client";
import { selectFromSql } from "./deck-queries";
import { flashcards } from "./schema";

/** The conditions on `flashcards` for a scope (empty when it names nothing). */
export function cardScopeConditions(userId: string, scope: CardScope): SQL[] {
  const conditions: SQL[] = [];
  if (scope.noDeck) conditions.push(sql`${flashcards.deckId} IS NULL`);
  if (scope.deckId) {
    conditions.push(
      scope.subdecks === false
        ? sql`${flashcards.deckId} = ${scope.deckId}`
        : sql`${flashcards.deckId} IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ${scope.deckId} AND user_id = ${userId})`,
    );
  }
  for (const tag of scope.tags ?? []) {
    const { key, from, to } = tagKeyRange(tag);
    conditions.push(
      sql`${flashcards.id} IN (SELECT ft.flashcard_id FROM tags AS t JOIN flashcard_tags AS ft ON ft.tag_id = t.id WHERE t.user_id = ${userId} AND (t.name_key = ${key} OR (t.name_key >= ${from} AND t.name_key < ${to})))`,
    );
  }
  return conditions;
}

/** True when the scope names a deck or tags that must be checked. */
export const scopeNamesSomething = (scope: CardScope) => Boolean(scope.deckId || scope.tags?.length);

/** True when no deck is named or the named deck is the caller's. */
const deckOwned = (userId: string, scope: CardScope) =>
  scope.deckId ? sql`EXISTS (SELECT 1 FROM decks WHERE id = ${scope.deckId} AND user_id = ${userId})` : sql`1`;

/** The tag filters' keys as one JSON parameter, read as `json_each(…) AS j`. */
const tagFilterKeys = (scope: CardScope) => JSON.stringify((scope.tags ?? []).map((tag) => tagKeyRange(tag).key));

/**
 * True for a tag filter `j.value` that matches none of the caller's tags (exactly or as a parent). The
 * indentation inside is part of the SQL text the benchmark's baseline compares (bench/baseline/worker.js).
 */
const tagFilterUnmatched = (userId: string) => sql`NOT EXISTS (
        SELECT 1 FROM tags AS t WHERE t.user_id = ${userId}
          AND (t.name_key = j.value OR (t.name_key >= j.value || '::' AND t.name_key < j.value || ':;')))`;

/**
 * One statement: `deck_found` (1 when no deck is named) and `missing_tag`, the index of the first tag
 * filter that matches none of the caller's tags (exactly or as a parent), or null.
 */
export function cardScopeCheck(db: Db, userId: string, scope: CardScope) {
  return selectFromSql<{ deck_found: number; missing_tag: number | null }>(
    db,
    sql`SELECT ${deckOwned(userId, scope)} AS deck_found,
      (SELECT min(j.key) FROM json_each(${tagFilterKeys(scope)}) AS j WHERE ${tagFilterUnmatched(userId)}) AS missing_tag`,
    ["deck_found", "missing_tag"],
  );
}

/**
 * SQL that is true exactly when `cardScopeCheck` passes: a write built for a scope (a study session)
 * carries it in its WHERE, so a foreign deck or tag writes nothing.
 */
export const cardScopeFound = (userId: string, scope: CardScope): SQL =>
  sql`(${deckOwned(userId, scope)} AND NOT EXISTS (SELECT 1 FROM json_each(${tagFilterKeys(scope)}) AS j WHERE ${tagFilterUnmatched(userId)}))`;

/**
 * Throws the 404 a failed scope check means.
 * @throws ApiError 404 naming the deck or the first unknown tag.
 */
export function assertScopeFound(
  check: { deck_found: number; missing_tag: number | null } | undefined,
  scope: CardScope,
) {
  if (!check) return;
  if (!check.deck_found) throw notFound("deck", scope.deckId);
  if (check.missing_tag !== null && check.missing_tag !== undefined) {
    throw notFound("tag", scope.tags?.[Number(check.missing_tag)]);
  }
}
