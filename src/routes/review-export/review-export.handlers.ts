/**
 * The caller's review log in the FSRS optimizer's CSV layout, streamed page by page (issue #15): the
 * file the open-spaced-repetition optimizer turns into personal parameters on a laptop (README).
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { reviewLogs } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { type PagedSource, type QueryCounter, textStream } from "../../portability/paged-stream";
import { csvLine } from "../../portability/text-formats";

/** The optimizer's columns, in its order. */
export const REVIEW_CSV_COLUMNS = [
  "card_id",
  "review_time",
  "review_rating",
  "review_state",
  "review_duration",
] as const;

/**
 * Rows per page: 1,000,000 reviews take 200 page queries (+ the session check), under the Paid plan's
 * 1,000 queries per invocation; 10,000 reviews take 2 + 2, under Free's 50. One page (~70 bytes a row)
 * is all the stream holds in memory.
 */
export const REVIEW_CSV_PAGE = 5_000;

type Key = { reviewedAt: number; rowid: number };
type Row = Key & { cardId: string; rating: number; state: number; durationMs: number | null };

/**
 * One page of the caller's reviews after `after`, oldest first, on `review_logs_user_reviewed_idx
 * (user_id, reviewed_at)` whose entries end with the rowid (the tiebreak). Manual entries (rating 0,
 * forget/reschedule) are not reviews: the optimizer must not see them. Exported for the EXPLAIN test.
 */
export function reviewCsvPage(db: Db, userId: string, after: Key | null) {
  return db
    .select({
      cardId: reviewLogs.flashcardId,
      reviewedAt: reviewLogs.reviewedAt,
      rating: reviewLogs.rating,
      state: reviewLogs.state,
      durationMs: reviewLogs.durationMs,
      rowid: sql<number>`${reviewLogs}.rowid`,
    })
    .from(reviewLogs)
    .where(
      and(
        eq(reviewLogs.userId, userId),
        after
          ? sql`(${reviewLogs.reviewedAt}, ${reviewLogs}.rowid) > (${after.reviewedAt}, ${after.rowid})`
          : undefined,
        gt(reviewLogs.rating, 0),
      ),
    )
    .orderBy(asc(reviewLogs.reviewedAt), sql`${reviewLogs}.rowid`)
    .limit(REVIEW_CSV_PAGE);
}

/**
 * Streams `card_id,review_time,review_rating,review_state,review_duration` (times in ms since the
 * epoch, the state before the review, the duration in ms or 0 when unknown). The first page is read
 * in the round trip that checks the session, so an empty or small log is one round trip; later pages
 * are plain scoped reads pulled by the consumer.
 * @throws ApiError 401 when the session has ended; D1 failures on the first page (503). Later failures
 * can only abort the stream: the status line is already sent.
 */
export async function exportReviewsCsv(deps: AuthedDeps, counter?: QueryCounter): Promise<ReadableStream<Uint8Array>> {
  const { db, auth, now } = deps;
  const [firstPage] = await authedBatch(db, auth, now, [reviewCsvPage(db, auth.userId, null)]);
  const source: PagedSource<Row, Key> = {
    pageSize: REVIEW_CSV_PAGE,
    fetch: (after) => (after === null ? Promise.resolve(firstPage) : reviewCsvPage(db, auth.userId, after)),
    keyOf: (row) => ({ reviewedAt: row.reviewedAt, rowid: row.rowid }),
    encode: (row) =>
      csvLine([row.cardId, String(row.reviewedAt), String(row.rating), String(row.state), String(row.durationMs ?? 0)]),
  };
  return textStream([csvLine(REVIEW_CSV_COLUMNS), source], counter);
}
