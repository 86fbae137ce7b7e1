/**
 * Manual entries (forget, reschedule) for many cards at once, set-based: one INSERT of the log rows and
 * one UPDATE of the cards, each over one JSON parameter, whatever the number of cards (POST
 * /flashcards/bulk, #15). All or nothing: the logs are inserted only if every card still has the
 * version it was read at, and a card is updated only if its log row exists, so a concurrent review of
 * any one card leaves every card unchanged (the caller answers 409).
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { rawAll } from "../db/raw-statement";
import { flashcards, reviewLogs } from "../db/schema";
import { columnPairs, toSqlRow } from "../db/sql-rows";
import type { ManualEntry } from "./manual-entries";
import { SNAPSHOT_SQL_COLUMNS } from "./pre-review-snapshot";

const LOG_COLUMNS = columnPairs(reviewLogs)
  .map(([, name]) => name)
  .filter((name) => name !== "user_id");

/**
 * The two statements; the last one returns the ids of the cards it changed (all of them, or none
 * after a lost race). `entries` carry the version each card was read at.
 */
export function manualEntryStatements(
  db: Db,
  userId: string,
  entries: ReadonlyArray<ManualEntry & { version: number }>,
): BatchItem<"sqlite">[] {
  const logs = JSON.stringify(
    entries.map(({ entry, version }) => ({ ...toSqlRow(reviewLogs, entry as Record<string, unknown>), v: version })),
  );
  const cards = JSON.stringify(
    entries.map(({ entry, after, version }) => ({
      ...toSqlRow(flashcards, after as unknown as Record<string, unknown>),
      id: entry.flashcardId,
      v: version,
      log: entry.id,
    })),
  );
  const field = (name: string) => sql.raw(`j.value ->> '$.${name}'`);
  return [
    rawAll(
      db,
      sql`
      INSERT INTO review_logs (user_id, ${sql.raw(LOG_COLUMNS.join(", "))})
      SELECT ${userId}, ${sql.join(
        LOG_COLUMNS.map((name) => field(name)),
        sql`, `,
      )}
      FROM json_each(${logs}) AS j
      WHERE (SELECT count(*) FROM json_each(${logs}) AS k
             CROSS JOIN flashcards AS f
               ON f.id = k.value ->> '$.flashcard_id' AND f.user_id = ${userId} AND f.version = k.value ->> '$.v')
            = ${entries.length}`,
    ),
    rawAll(
      db,
      sql`
      UPDATE flashcards SET ${sql.raw(SNAPSHOT_SQL_COLUMNS.map(({ card }) => `${card} = j.value ->> '$.${card}'`).join(", "))},
        version = flashcards.version + 1
      FROM json_each(${cards}) AS j
      WHERE flashcards.id = j.value ->> '$.id' AND +flashcards.user_id = ${userId}
        AND flashcards.version = j.value ->> '$.v'
        AND EXISTS (SELECT 1 FROM review_logs AS l WHERE l.id = j.value ->> '$.log' AND l.user_id = ${userId})
      RETURNING flashcards.id`,
    ),
  ];
}
