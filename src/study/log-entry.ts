/**
 * Writing a review-log entry (a review, or a manual forget/reschedule: ts-fsrs `Rating.Manual`, 0)
 * together with the card's new state, both conditional on the card's version: of two concurrent
 * writers exactly one applies. Forget and reschedule write through it; the row carries the card's
 * pre-entry snapshot (src/study/pre-review-snapshot.ts) so undo takes them back like a review.
 */
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { ownedBy } from "../db/ownership";
import { flashcardColumns } from "../db/projections";
import { flashcards, type ReviewLogRow, reviewLogs } from "../db/schema";

/** The log row as written (the owner comes from the card row itself). */
export type LogEntry = Omit<ReviewLogRow, "userId">;

/** The card columns an entry may change. */
export type CardChange = Partial<Omit<typeof flashcards.$inferInsert, "id" | "userId" | "version">>;

/** The owner + id + version predicate both statements judge. */
const sameVersion = (userId: string, cardId: string, version: number) =>
  and(ownedBy(flashcards, cardId, userId), eq(flashcards.version, version));

/**
 * The two statements of an entry: insert the log row (first: both then see the same version inside
 * the batch's transaction), then update the card and return it. An empty RETURNING means another
 * writer won the race.
 */
export function logEntryStatements(db: Db, userId: string, version: number, entry: LogEntry, change: CardChange) {
  const guard = sameVersion(userId, entry.flashcardId, version);
  // Every log column in table order (drizzle's INSERT … SELECT pairs them by position), the snapshot
  // columns included so a column added to review_logs cannot be forgotten here. Owner and card come
  // from the card row itself, the rest are literals.
  const fromCard: Record<string, unknown> = { userId: flashcards.userId, flashcardId: flashcards.id };
  const selection: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(reviewLogs))) {
    const value = entry[key as keyof LogEntry];
    selection[key] = fromCard[key] ?? sql`${value === null ? null : column.mapToDriverValue(value)}`.as(column.name);
  }
  return [
    db.insert(reviewLogs).select(
      db
        .select(selection as never)
        .from(flashcards)
        .where(guard),
    ),
    db
      .update(flashcards)
      .set({ ...change, version: version + 1 })
      .where(guard)
      .returning(flashcardColumns),
  ] as const;
}
