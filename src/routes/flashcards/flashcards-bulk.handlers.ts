/**
 * `POST /flashcards/bulk`: one action on up to 500 of the caller's cards, in one D1 batch (one
 * transaction): the session gate, the card gate (every id is the caller's, else nothing changes), then
 * the action's statements (`bulk-actions.ts`).
 */
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { deckRuleError, isFlashcardNotFound, isTagNotFound } from "../../db/deck-rules";
import { flashcardGate } from "../../db/id-list-gates";
import { ownedIn } from "../../db/ownership";
import { flashcards, tags } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound, reviewConflict } from "../../lib/errors";
import { nameKey } from "../../lib/name-key";
import { SNAPSHOT_FIELDS } from "../../study/pre-review-snapshot";
import { resolveSettings } from "../../study/settings";
import { selectSettingsRow } from "../../study/user-settings";
import { type BulkContext, type BulkStudyState, bulkActions, inRequest, NEEDS_STUDY_STATE } from "./bulk-actions";
import type { BulkFlashcardsInput } from "./flashcards.schemas";

/**
 * Applies one bulk action. One round trip on success, at most 6 statements; `bury`, `forget` and
 * `reschedule` read the settings and cards first (two round trips); the error paths that name the first
 * missing card or tag read once more.
 * @throws ApiError 404 naming the first id that is not the caller's card, the deck of a `move`, or a tag
 *   to remove the caller does not have; 400 `too_many_tags` when an `add_tags` would give any card more
 *   than 20; 409 `review_conflict` when a card of a `forget`/`reschedule` was reviewed meanwhile. Nothing is
 *   changed on any error.
 */
export async function bulkUpdateFlashcards(deps: AuthedDeps, input: BulkFlashcardsInput): Promise<{ updated: number }> {
  const { db, auth, now } = deps;
  const ids = [...new Set(input.ids)];
  const ctx: BulkContext = { db, userId: auth.userId, now, ids, idsJson: JSON.stringify(ids) };
  // bury, forget, reschedule: the learner's settings and the cards' state first (round trip 1).
  if (NEEDS_STUDY_STATE.has(input.action)) ctx.study = await readStudyState(deps, ctx);
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
  const updated = (results.at(-1) as unknown[]).length;
  // A card reviewed between the two round trips: its manual entry would rest on a stale state, so the
  // statements changed nothing at all (bulk-manual-entries.ts); safe to resend.
  if ((input.action === "forget" || input.action === "reschedule") && updated < ids.length) throw reviewConflict();
  return { updated };
}

/** A card's id, version and study state (what a snapshot keeps), nothing else. */
const STUDY_STATE_COLUMNS = (() => {
  const columns = getTableColumns(flashcards);
  const study = Object.fromEntries(
    Object.keys(SNAPSHOT_FIELDS).map((key) => [key, columns[key as keyof typeof columns]]),
  );
  return { id: columns.id, version: columns.version, ...study } as unknown as Pick<
    typeof columns,
    "id" | "version" | keyof typeof SNAPSHOT_FIELDS
  >;
})();

/**
 * The learner's settings and the request's cards (study columns and version). Cards that are not the
 * caller's are simply absent: the card gate of the write round trip answers 404 for them.
 */
async function readStudyState(deps: AuthedDeps, ctx: BulkContext): Promise<BulkStudyState> {
  const { db, auth, now } = deps;
  const [settingsRows, cards] = await authedBatch(db, auth, now, [
    selectSettingsRow(db, auth.userId),
    db.select(STUDY_STATE_COLUMNS).from(flashcards).where(inRequest(ctx)),
  ]);
  return { settings: resolveSettings(settingsRows[0], deps.config), cards };
}

/** Error path only: the first requested id that is not one of the caller's cards. */
async function firstMissingCard(deps: AuthedDeps, ids: string[]): Promise<string | undefined> {
  const owned = await deps.db
    .select({ id: flashcards.id })
    .from(flashcards)
    .where(ownedIn(flashcards, JSON.stringify(ids), deps.auth.userId));
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
