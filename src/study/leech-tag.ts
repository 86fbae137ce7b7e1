/**
 * The `leech` tag a card gets in the batch of the review that made it a leech (when the learner's
 * `leech_action` is `tag`). Set-based: one statement creates the tag, one links every new leech of the
 * batch, whatever their number.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { MAX_TAGS_PER_CARD } from "../db/deck-rules";
import { rawAll } from "../db/raw-statement";

/** The name (and key: NFC + lower case) of the tag a leech gets. */
export const LEECH_TAG = "leech";

/**
 * Creates the learner's `leech` tag if missing and links it to each card of `cards` (id + the version
 * the review read) that still has that version — they run before the review's card update, so a card
 * that lost a race gets nothing — and has fewer than 20 tags (#13's limit: a full card is flagged, not
 * tagged). No statements for no cards.
 */
export function leechTagStatements(
  db: Db,
  userId: string,
  cards: ReadonlyArray<{ id: string; v: number }>,
  now: number,
): BatchItem<"sqlite">[] {
  if (cards.length === 0) return [];
  const json = JSON.stringify(cards);
  // CROSS JOIN keeps the JSON list outermost: each card is then found by its primary key.
  const stillUnchanged = sql`
    FROM json_each(${json}) AS j
    CROSS JOIN flashcards AS f
      ON f.id = j.value ->> '$.id' AND f.user_id = ${userId} AND f.version = j.value ->> '$.v'`;
  const hasRoom = sql`(SELECT count(*) FROM flashcard_tags AS ft WHERE ft.flashcard_id = f.id) < ${MAX_TAGS_PER_CARD}`;
  return [
    rawAll(
      db,
      sql`
      INSERT INTO tags (id, user_id, name, name_key, created_at)
      SELECT ${crypto.randomUUID()}, ${userId}, ${LEECH_TAG}, ${LEECH_TAG}, ${now}
      WHERE EXISTS (SELECT 1 ${stillUnchanged} WHERE ${hasRoom})
      ON CONFLICT DO NOTHING`,
    ),
    rawAll(
      db,
      sql`
      INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id)
      SELECT f.id, t.id, t.user_id ${stillUnchanged}
      CROSS JOIN tags AS t ON t.user_id = ${userId} AND t.name_key = ${LEECH_TAG}
      WHERE ${hasRoom}
      ON CONFLICT DO NOTHING`,
    ),
  ];
}
