/**
 * The statements of each `POST /flashcards/bulk` action. The handler runs them after the session gate
 * and the card gate (every id is the caller's), in one batch: all or nothing. Each action's **last
 * statement returns the ids of the cards it changed** (`RETURNING id`); `updated` is their count.
 *
 * Adding an action: a strict schema in `bulkActionSchemas` (flashcards.schemas.ts) and an entry here;
 * `BulkActions` makes the entry mandatory. The card-state actions of #15 that need the learner's day or
 * each card's state (`NEEDS_STUDY_STATE`) get them in `ctx.study`, read by the handler first.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { distinctTags, linkTagsToCards, unlinkTags, upsertTags } from "../../db/card-tags";
import type { Db } from "../../db/client";
import { deckGate, tagGate } from "../../db/id-list-gates";
import { ownedIn } from "../../db/ownership";
import { flashcards } from "../../db/schema";
import { nameKey } from "../../lib/name-key";
import { learnerDay } from "../../lib/zoned-days";
import { manualEntryStatements } from "../../study/bulk-manual-entries";
import { forgetEntry, type ManualEntryCard, rescheduleEntry } from "../../study/manual-entries";
import { dayClockOf, type StudySettings } from "../../study/settings";
import type { BulkFlashcardsInput } from "./flashcards.schemas";

/** What every action works with: the caller, the instant, and the distinct card ids (also as one JSON parameter). */
export type BulkContext = {
  db: Db;
  userId: string;
  now: number;
  ids: readonly string[];
  idsJson: string;
  /** For the actions in `NEEDS_STUDY_STATE`: the learner's settings and the cards as read first. */
  study?: BulkStudyState;
};

/** The learner's settings and the request's cards (study state and version), read in a first round trip. */
export type BulkStudyState = { settings: StudySettings; cards: Array<ManualEntryCard & { version: number }> };

/** Actions that need the learner's day (zone, day start) or each card's state before their statements. */
export const NEEDS_STUDY_STATE: ReadonlySet<BulkAction> = new Set(["bury", "forget", "reschedule"]);

/** The study state read first (the handler provides it for `NEEDS_STUDY_STATE`). */
const studyOf = (ctx: BulkContext): BulkStudyState => {
  if (!ctx.study) throw new Error("bulk action needs the study state read first");
  return ctx.study;
};

/** Sets the request's cards' `suspended` (a card-state change: the version grows) and returns their ids. */
const setSuspended = (ctx: BulkContext, suspended: boolean) =>
  ctx.db
    .update(flashcards)
    .set({ suspended, version: sql`${flashcards.version} + 1` })
    .where(inRequest(ctx))
    .returning({ id: flashcards.id });

type BulkAction = BulkFlashcardsInput["action"];
type BulkActions = {
  [A in BulkAction]: (ctx: BulkContext, input: Extract<BulkFlashcardsInput, { action: A }>) => BatchItem<"sqlite">[];
};

/** The cards of the request: the caller's, and among the ids (one JSON parameter, no 100-parameter IN list). */
export const inRequest = (ctx: BulkContext) => ownedIn(flashcards, ctx.idsJson, ctx.userId);

/** Sets `updated_at` of the request's cards (a tag change edits the card) and returns their ids. */
const touchCards = (ctx: BulkContext) =>
  ctx.db.update(flashcards).set({ updatedAt: ctx.now }).where(inRequest(ctx)).returning({ id: flashcards.id });

/** Tag names de-duplicated by key, the first spelling kept (no 20-tag rule: removing many is fine). */
const uniqueKeys = (names: readonly string[]) => [...new Set(names.map(nameKey))];

/** The statements of each bulk action, by action name. */
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
  suspend: (ctx) => [setSuspended(ctx, true)],
  unsuspend: (ctx) => [setSuspended(ctx, false)],
  // Hidden until the learner's next day starts, as POST /flashcards/:id/bury.
  bury: (ctx) => [
    ctx.db
      .update(flashcards)
      .set({
        buriedUntil: learnerDay(ctx.now, dayClockOf(studyOf(ctx).settings)).end,
        version: sql`${flashcards.version} + 1`,
      })
      .where(inRequest(ctx))
      .returning({ id: flashcards.id }),
  ],
  // Manual entries per card through ts-fsrs, written set-based (all or nothing on a concurrent review).
  forget: (ctx, input) => {
    const { settings, cards } = studyOf(ctx);
    const entries = cards.map((card) => ({
      ...forgetEntry(card, settings, ctx.now, input.reset_counts ?? false),
      version: card.version,
    }));
    return manualEntryStatements(ctx.db, ctx.userId, entries);
  },
  reschedule: (ctx, input) => {
    const { settings, cards } = studyOf(ctx);
    const entries = cards.map((card) => ({
      ...rescheduleEntry(card, settings, ctx.now, input.due),
      version: card.version,
    }));
    return manualEntryStatements(ctx.db, ctx.userId, entries);
  },
};
