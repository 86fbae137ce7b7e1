/**
 * `POST /flashcards/bulk`: one action on up to 500 of the caller's cards, in one D1 batch (one
 * transaction): the session gate, the card gate (every id is the caller's, else nothing changes), then
 * the action's statements (`bulk-actions.ts`).
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { deckRuleError, isFlashcardNotFound, isTagNotFound } from "../../db/deck-rules";
import { flashcardGate } from "../../db/id-list-gates";
import { flashcards, tags } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound } from "../../lib/errors";
import { nameKey } from "../../lib/name-key";
import { type BulkContext, bulkActions } from "./bulk-actions";
import type { BulkFlashcardsInput } from "./flashcards.schemas";

/**
 * Applies one bulk action. One round trip on success, at most 6 statements; the error paths that name
 * the first missing card or tag read once more.
 * @throws ApiError 404 naming the first id that is not the caller's card, the deck of a `move`, or a tag
 *   to remove the caller does not have; 400 `too_many_tags` when an `add_tags` would give any card more
 *   than 20. Nothing is changed on any error.
 */
export async function bulkUpdateFlashcards(deps: AuthedDeps, input: BulkFlashcardsInput): Promise<{ updated: number }> {
  const { db, auth, now } = deps;
  const ids = [...new Set(input.ids)];
  const ctx: BulkContext = { db, userId: auth.userId, now, ids, idsJson: JSON.stringify(ids) };
  // The map is typed per action; the union input needs one cast to call the entry of its own action.
  const action = bulkActions[input.action] as (ctx: BulkContext, input: BulkFlashcardsInput) => BatchItem<"sqlite">[];
  const statements = [flashcardGate(db, auth.userId, ids), ...action(ctx, input)];
  let results: unknown[];
  try {
    results = (await authedBatch(db, auth, now, statements)) as unknown[];
  } catch (error) {
    if (isFlashcardNotFound(error)) throw notFound("flashcard", await firstMissingCard(deps, ids));
    if (isTagNotFound(error) && "tags" in input) throw notFound("tag", await firstMissingTag(deps, input.tags));
    throw deckRuleError(error, input.action === "move" ? input.deck_id : undefined) ?? error;
  }
  return { updated: (results.at(-1) as unknown[]).length };
}

/** Error path only: the first requested id that is not one of the caller's cards. */
async function firstMissingCard(deps: AuthedDeps, ids: string[]): Promise<string | undefined> {
  const owned = await deps.db
    .select({ id: flashcards.id })
    .from(flashcards)
    .where(
      and(
        eq(flashcards.userId, deps.auth.userId),
        sql`${flashcards.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  const found = new Set(owned.map((row) => row.id));
  return ids.find((id) => !found.has(id));
}

/** Error path only: the first requested tag name that is not one of the caller's tags. */
async function firstMissingTag(deps: AuthedDeps, names: string[]): Promise<string | undefined> {
  const owned = await deps.db
    .select({ key: tags.nameKey })
    .from(tags)
    .where(
      and(
        eq(tags.userId, deps.auth.userId),
        sql`${tags.nameKey} IN (SELECT value FROM json_each(${JSON.stringify(names.map(nameKey))}))`,
      ),
    );
  const found = new Set(owned.map((row) => row.key));
  return names.find((name) => !found.has(nameKey(name)));
}
