/**
 * The statements of each `POST /flashcards/bulk` action. The handler runs them after the session gate
 * and the card gate (every id is the caller's), in one batch: all or nothing. Each action's **last
 * statement returns the ids of the cards it changed** (`RETURNING id`); `updated` is their count.
 *
 * Adding an action (#15: suspend, bury, forget, ...): a strict schema in `bulkActionSchemas`
 * (flashcards.schemas.ts) and an entry here; `BulkActions` makes the entry mandatory.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { distinctTags, linkTagsToCards, unlinkTags, upsertTags } from "../../db/card-tags";
import type { Db } from "../../db/client";
import { deckGate, tagGate } from "../../db/id-list-gates";
import { flashcards } from "../../db/schema";
import { nameKey } from "../../lib/name-key";
import type { BulkFlashcardsInput } from "./flashcards.schemas";

/** What every action works with: the caller, the instant, and the distinct card ids (also as one JSON parameter). */
export type BulkContext = { db: Db; userId: string; now: number; ids: readonly string[]; idsJson: string };

type BulkAction = BulkFlashcardsInput["action"];
type BulkActions = {
  [A in BulkAction]: (ctx: BulkContext, input: Extract<BulkFlashcardsInput, { action: A }>) => BatchItem<"sqlite">[];
};

/** The cards of the request: the caller's, and among the ids (one JSON parameter, no 100-parameter IN list). */
export const inRequest = (ctx: BulkContext) =>
  and(eq(flashcards.userId, ctx.userId), sql`${flashcards.id} IN (SELECT value FROM json_each(${ctx.idsJson}))`);

/** Sets `updated_at` of the request's cards (a tag change edits the card) and returns their ids. */
const touchCards = (ctx: BulkContext) =>
  ctx.db.update(flashcards).set({ updatedAt: ctx.now }).where(inRequest(ctx)).returning({ id: flashcards.id });

/** Tag names de-duplicated by key, the first spelling kept (no 20-tag rule: removing many is fine). */
const uniqueKeys = (names: readonly string[]) => [...new Set(names.map(nameKey))];

export const bulkActions: BulkActions = {
  move: (ctx, input) => [
    ...(input.deck_id ? [deckGate(ctx.db, ctx.userId, [input.deck_id])] : []),
    ctx.db
      .update(flashcards)
      .set({ deckId: input.deck_id, updatedAt: ctx.now })
      .where(inRequest(ctx))
      .returning({ id: flashcards.id }),
  ],
  add_tags: (ctx, input) => {
    // More than 20 distinct names can never fit a card: 400 `too_many_tags` before any SQL.
    const names = distinctTags(input.tags);
    return [
      upsertTags(ctx.db, ctx.userId, names, ctx.now),
      // The link trigger aborts the whole batch when a card would pass 20 tags.
      linkTagsToCards(
        ctx.db,
        ctx.userId,
        ctx.ids,
        names.map((tag) => tag.key),
      ),
      touchCards(ctx),
    ];
  },
  remove_tags: (ctx, input) => {
    const keys = uniqueKeys(input.tags);
    return [tagGate(ctx.db, ctx.userId, keys), unlinkTags(ctx.db, ctx.userId, ctx.ids, keys, "these"), touchCards(ctx)];
  },
  // Review logs and tag links go by their foreign keys; tags left without cards by the prune trigger.
  delete: (ctx) => [ctx.db.delete(flashcards).where(inRequest(ctx)).returning({ id: flashcards.id })],
};
