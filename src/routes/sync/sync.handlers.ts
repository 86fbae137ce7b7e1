/**
 * The change feed (issue #14): a device follows every change of the caller's collection — flashcards,
 * decks, tags, reviews, study sessions and the study settings — by sequence number. Changes are recorded by triggers in the
 * writes' own transactions (migrations/0027); this handler only reads them. One round trip.
 */
import { changeFeedStatements } from "../../db/change-feed";
import { changes } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { ApiError, cursorExpired, invalidCursor } from "../../lib/errors";
import { keyset } from "../../lib/keyset";
import { toIso } from "../../lib/time";
import { resolveSettings } from "../../study/settings";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import { toReviewJson } from "../reviews/review-view";
import { toSettingsJson } from "../settings/settings-view";
import type { ChangeFeedJson, ChangeJson, ChangesQuery } from "./sync.schemas";

/**
 * The feed's pager: ascending by seq, a cursor on every page, bound to the user. Beside the position
 * the cursor carries the watermark seen when its chain of pages began without `since` (`floor`): the
 * tombstones pruned before that initial sync started are of entities the client never saw.
 */
const feedPages = (userId: string, floor: () => number) =>
  keyset<{ seq: number }>({
    scope: `sync:changes:${userId}`,
    key: changes.seq,
    id: changes.entityId,
    order: "asc",
    keyOf: (row) => row.seq,
    idOf: () => String(floor()),
    always: { start: { v: 0, id: "0" } },
  });

/**
 * One page of the caller's changes after `since` (from the start without it), each upsert with the
 * entity as it is now. Page, data and watermark come from one batch (one snapshot).
 * @throws ApiError 400 `invalid_cursor` for a cursor not issued by this feed to this user;
 *   410 `cursor_expired` when tombstones after the cursor were pruned since its chain began.
 */
export async function listChanges(deps: AuthedDeps, query: ChangesQuery): Promise<ChangeFeedJson> {
  const { db, auth, now, config } = deps;
  let floor = 0;
  const pages = feedPages(auth.userId, () => floor);
  const after = await pages.open(query.since, config.jwtSecret).catch((error: unknown) => {
    // The feed's cursor travels as `since`: the problem names that parameter.
    if (error instanceof ApiError && error.code === "invalid_cursor")
      throw invalidCursor("The cursor is invalid; sync again from the start, without `since`.", "since");
    throw error;
  });
  const since = after ? Number(after.v) : 0;
  const [counter, page, cards, reviews, deckRows, tagRows, sessions, settingsRows] = await authedBatch(
    db,
    auth,
    now,
    changeFeedStatements(db, auth.userId, since, query.limit + 1),
  );
  const watermark = counter[0]?.prunedSeq ?? 0;
  floor = after ? Number(after.id) || 0 : watermark;
  // A tombstone after `since` went, and the client may have seen its entity: it must start again.
  if (after && since < watermark && watermark > floor) throw cursorExpired();

  const data = new Map<string, ChangeJson["data"]>();
  for (const card of cards) data.set(`flashcard:${card.id}`, toFlashcardJson(card));
  for (const review of reviews) data.set(`review:${review.id}`, toReviewJson(review));
  for (const deck of deckRows) {
    data.set(`deck:${deck.id}`, {
      id: deck.id,
      name: deck.name,
      parent_id: deck.parentId,
      description: deck.description,
      created_at: toIso(deck.createdAt),
      updated_at: toIso(deck.updatedAt),
    });
  }
  for (const tag of tagRows) data.set(`tag:${tag.id}`, { id: tag.id, name: tag.name });
  for (const row of settingsRows) data.set(`settings:${row.userId}`, toSettingsJson(resolveSettings(row, config)));
  for (const session of sessions) {
    data.set(`study_session:${session.id}`, {
      id: session.id,
      card_ids: session.cardIds,
      started_at: toIso(session.startedAt),
      finished_at: session.finishedAt === null ? null : toIso(session.finishedAt),
    });
  }

  const { page: rows, pagination } = await pages.page(page, query.limit, config.jwtSecret, {
    v: since,
    id: String(floor),
  });
  return {
    data: rows.map((change) => {
      const entry: ChangeJson = { entity: change.entity, op: change.op, id: change.entityId, seq: change.seq };
      // One snapshot: an upsert's entity exists (a later deletion would have replaced the change).
      const current = change.op === "upsert" ? data.get(`${change.entity}:${change.entityId}`) : undefined;
      if (current) entry.data = current;
      return entry;
    }),
    pagination: { ...pagination, next_cursor: pagination.next_cursor as string },
  };
}
