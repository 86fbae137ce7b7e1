/**
 * Decks: create, list (with counts), read, rename/move/describe, delete. Each request is one D1 batch
 * behind the session check. Depth, the per-user limit, parent ownership and cycles are decided by the
 * triggers on `decks` inside that batch (src/db/deck-rules.ts maps their aborts to errors).
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { isUniqueViolation } from "../../db/d1-errors";
import { type DeckViewRow, deckContents, deckView, subtreeSql } from "../../db/deck-queries";
import { deckRuleError } from "../../db/deck-rules";
import { ownedBy } from "../../db/ownership";
import { decks, flashcards } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { isPreconditionFailed, versionGate } from "../../db/version-gate";
import type { AuthedDeps } from "../../lib/deps";
import { deckNameTaken, deckNotEmpty, notFound, preconditionFailed } from "../../lib/errors";
import type { EntityTagCondition } from "../../lib/etag";
import { nameKey } from "../../lib/name-key";
import { toIso } from "../../lib/time";
import type { CreateDeckInput, DeckJson, UpdateDeckInput } from "./decks.schemas";

/** Renders a deck view row. */
export function toDeckJson(row: DeckViewRow): DeckJson {
  return {
    id: row.id,
    name: row.name,
    parent_id: row.parent_id,
    path: row.path,
    description: row.description,
    counts: {
      cards: Number(row.cards),
      new: Number(row.new),
      due: Number(row.due),
      suspended: Number(row.suspended),
    },
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** Maps a deck write's failure to its API error (or rethrows). */
function rethrowDeckWrite(error: unknown, parentId?: string | null): never {
  if (isPreconditionFailed(error)) throw preconditionFailed("deck");
  const ruleError = deckRuleError(error, parentId);
  if (ruleError) throw ruleError;
  if (isUniqueViolation(error)) throw deckNameTaken();
  throw error;
}

/**
 * Creates a deck (at the root or under one of the caller's decks). One round trip: the insert and the
 * read-back of the new deck.
 * @throws ApiError 404 (parent), 400 `deck_too_deep`, 409 `deck_name_taken` / `deck_limit_reached`.
 */
export async function createDeck(deps: AuthedDeps, input: CreateDeckInput): Promise<DeckJson> {
  const { db, auth, now } = deps;
  const id = crypto.randomUUID();
  let rows: DeckViewRow[];
  try {
    [, rows] = await authedBatch(db, auth, now, [
      db.insert(decks).values({
        id,
        userId: auth.userId,
        parentId: input.parent_id ?? null,
        name: input.name,
        nameKey: nameKey(input.name),
        description: input.description ?? null,
        createdAt: now,
        updatedAt: now,
      }),
      deckView(db, auth.userId, now, id),
    ]);
  } catch (error) {
    rethrowDeckWrite(error, input.parent_id);
  }
  const row = rows[0];
  if (!row) throw new Error("the created deck was not read back");
  return toDeckJson(row);
}

/** Every deck of the caller with path and counts, ordered by path. One round trip, one statement. */
export async function listDecks(deps: AuthedDeps): Promise<{ data: DeckJson[] }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [deckView(deps.db, deps.auth.userId, deps.now)]);
  return { data: rows.map(toDeckJson) };
}

/**
 * One of the caller's decks with path and counts, and its version (the ETag). One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getDeck(deps: AuthedDeps, id: string): Promise<{ deck: DeckJson; version: number }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [deckView(deps.db, deps.auth.userId, deps.now, id)]);
  const row = rows[0];
  if (!row) throw notFound("deck", id);
  return { deck: toDeckJson(row), version: Number(row.version) };
}

/**
 * Renames, moves (`parent_id`; null = to the root) and/or describes a deck. One round trip: the update
 * (whose triggers refuse a cycle, a foreign parent or too deep a tree, also against a racing move) and
 * the read-back (with the new version). With `ifMatch` the version gate comes first in the batch.
 * @throws ApiError 404; 400 `deck_too_deep`; 409 `deck_cycle` / `deck_name_taken`; 412 `precondition_failed`.
 */
export async function updateDeck(
  deps: AuthedDeps,
  id: string,
  patch: UpdateDeckInput,
  ifMatch?: EntityTagCondition,
): Promise<{ deck: DeckJson; version: number }> {
  const { db, auth, now } = deps;
  // The version is bumped here (not only by the safety-net trigger) so the read-back shows it.
  const set: Parameters<ReturnType<typeof db.update<typeof decks>>["set"]>[0] = {
    updatedAt: now,
    version: sql`${decks.version} + 1`,
  };
  if (patch.name !== undefined) {
    set.name = patch.name;
    set.nameKey = nameKey(patch.name);
  }
  // Only a parent_id actually sent is written: the move triggers fire on `UPDATE OF parent_id`.
  if (patch.parent_id !== undefined) set.parentId = patch.parent_id;
  if (patch.description !== undefined) set.description = patch.description;
  const update = db
    .update(decks)
    .set(set)
    .where(ownedBy(decks, id, auth.userId))
    .returning({ id: decks.id });
  const view = deckView(db, auth.userId, now, id);
  let updated: { id: string }[];
  let rows: DeckViewRow[];
  try {
    [updated, rows] = ifMatch
      ? ((await authedBatch(db, auth, now, [versionGate(db, auth.userId, "deck", id, ifMatch), update, view])).slice(
          1,
        ) as [{ id: string }[], DeckViewRow[]])
      : await authedBatch(db, auth, now, [update, view]);
  } catch (error) {
    rethrowDeckWrite(error, patch.parent_id);
  }
  const row = rows[0];
  if (updated.length === 0 || !row) throw notFound("deck", id);
  return { deck: toDeckJson(row), version: Number(row.version) };
}

/**
 * Deletes a deck and its subdecks. Without `cascade` only when they hold no cards (decided inside the
 * batch, so a card moved in concurrently is seen); with `cascade` their cards (and the cards' review
 * history and tags) go in the same batch. One round trip; with `ifMatch` the version gate comes first.
 * @throws ApiError 404; 409 `deck_not_empty` naming the card count; 412 `precondition_failed`.
 */
export async function deleteDeck(
  deps: AuthedDeps,
  id: string,
  cascade: boolean,
  ifMatch?: EntityTagCondition,
): Promise<void> {
  const { db, auth, now } = deps;
  const subtree = subtreeSql(auth.userId, id);
  const statements: BatchItem<"sqlite">[] = [];
  if (ifMatch) statements.push(versionGate(db, auth.userId, "deck", id, ifMatch));
  const contentsAt = statements.length;
  statements.push(deckContents(db, auth.userId, id));
  if (cascade) {
    statements.push(
      db.delete(flashcards).where(sql`${flashcards.userId} = ${auth.userId} AND ${flashcards.deckId} IN (${subtree})`),
    );
  }
  statements.push(
    db
      .delete(decks)
      .where(
        cascade
          ? ownedBy(decks, id, auth.userId)
          : sql`${ownedBy(decks, id, auth.userId)} AND NOT EXISTS (SELECT 1 FROM ${flashcards} WHERE ${flashcards.userId} = ${auth.userId} AND ${flashcards.deckId} IN (${subtree}))`,
      )
      .returning({ id: decks.id }),
  );
  let results: unknown[];
  try {
    results = (await authedBatch(db, auth, now, statements)) as unknown[];
  } catch (error) {
    if (isPreconditionFailed(error)) throw preconditionFailed("deck");
    throw error;
  }
  const [contents] = results[contentsAt] as { found: number; cards: number }[];
  const deleted = results.at(-1) as { id: string }[];
  if (!contents?.found) throw notFound("deck", id);
  if (deleted.length === 0) throw deckNotEmpty(Number(contents.cards));
}
