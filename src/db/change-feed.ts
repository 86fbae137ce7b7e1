/**
 * Reads of the change feed (issue #14, migrations/0027): one page of a user's changes after a sequence
 * number and the current state of the entities it names, as statements for one batch, so the page and
 * its data come from one snapshot. Each entity statement selects its ids from the same page window
 * (`seq > since ORDER BY seq LIMIT n`) on the primary key `(user_id, seq)`, and reads each entity by its
 * primary key from those ids.
 */
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { ownerCheck } from "./ownership";
import { flashcardColumns, reviewColumns } from "./projections";
import { changes, decks, flashcards, reviewLogs, studySessions, syncCounters, tags, userSettings } from "./schema";

/** A change-feed entity kind. */
export type ChangeEntity = (typeof changes.$inferSelect)["entity"];

/** The ids of one entity kind's upserts within the page window. */
function upsertedIn(userId: string, since: number, rows: number, entity: ChangeEntity): SQL {
  return sql`(SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM ${changes}
    WHERE ${changes.userId} = ${userId} AND ${changes.seq} > ${since} ORDER BY ${changes.seq} LIMIT ${rows})
    WHERE "entity" = ${entity} AND "op" = 'upsert')`;
}

/** The page of changes: `rows` changes after `since`, in sequence order (exported so a test can EXPLAIN it). */
export const changePage = (db: Db, userId: string, since: number, rows: number) =>
  db
    .select({ seq: changes.seq, entity: changes.entity, entityId: changes.entityId, op: changes.op })
    .from(changes)
    .where(and(eq(changes.userId, userId), gt(changes.seq, since)))
    .orderBy(asc(changes.seq))
    .limit(rows);

/**
 * The statements of one feed page, in this order: the counter row (watermark), the page, then the
 * current rows of flashcards, reviews, decks, tags, study sessions and the settings the page names.
 */
export function changeFeedStatements(db: Db, userId: string, since: number, rows: number) {
  const ids = (entity: ChangeEntity) => upsertedIn(userId, since, rows, entity);
  return [
    db
      .select({ seq: syncCounters.seq, prunedSeq: syncCounters.prunedSeq })
      .from(syncCounters)
      .where(eq(syncCounters.userId, userId)),
    changePage(db, userId, since, rows),
    db
      .select(flashcardColumns)
      .from(flashcards)
      .where(and(ownerCheck(flashcards, userId), sql`${flashcards.id} IN ${ids("flashcard")}`)),
    db
      .select(reviewColumns)
      .from(reviewLogs)
      .where(and(ownerCheck(reviewLogs, userId), sql`${reviewLogs.id} IN ${ids("review")}`)),
    db
      .select({
        id: decks.id,
        name: decks.name,
        parentId: decks.parentId,
        description: decks.description,
        createdAt: decks.createdAt,
        updatedAt: decks.updatedAt,
      })
      .from(decks)
      .where(and(ownerCheck(decks, userId), sql`${decks.id} IN ${ids("deck")}`)),
    db
      .select({ id: tags.id, name: tags.name })
      .from(tags)
      .where(and(ownerCheck(tags, userId), sql`${tags.id} IN ${ids("tag")}`)),
    db
      .select({
        id: studySessions.id,
        cardIds: studySessions.cardIds,
        startedAt: studySessions.startedAt,
        finishedAt: studySessions.finishedAt,
      })
      .from(studySessions)
      .where(and(ownerCheck(studySessions, userId), sql`${studySessions.id} IN ${ids("study_session")}`)),
    db
      .select()
      .from(userSettings)
      .where(and(eq(userSettings.userId, userId), sql`${userSettings.userId} IN ${ids("settings")}`)),
  ] as const;
}
