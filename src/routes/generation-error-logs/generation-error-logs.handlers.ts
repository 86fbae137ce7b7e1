/**
 * Generation error logs: the record of every failed generation attempt, readable by its owner.
 */
import { and } from "drizzle-orm";
import type { Db } from "../../db/client";
import { ofUser, ownedBy } from "../../db/ownership";
import { generationErrorLogs } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound } from "../../lib/errors";
import { type KeysetPosition, keyset } from "../../lib/keyset";
import type { PageQuery, Pagination } from "../../lib/params";
import { type ErrorLogJson, toErrorLogJson } from "../generations/generation-view";

const errorLogColumns = {
  id: generationErrorLogs.id,
  model: generationErrorLogs.model,
  sourceTextHash: generationErrorLogs.sourceTextHash,
  sourceTextLength: generationErrorLogs.sourceTextLength,
  errorCode: generationErrorLogs.errorCode,
  errorMessage: generationErrorLogs.errorMessage,
  createdAt: generationErrorLogs.createdAt,
};

/** Newest first; a cursor only pages the collection it was issued for. */
const errorLogPages = keyset<{ id: string; createdAt: number }>({
  scope: "generation-error-logs",
  key: generationErrorLogs.createdAt,
  id: generationErrorLogs.id,
  order: "desc",
  keyOf: (row) => row.createdAt,
});

/** Query builder for one newest-first page (exported for EXPLAIN tests). */
export function buildErrorLogsPageQuery(db: Db, userId: string, limit: number, after?: KeysetPosition) {
  return db
    .select(errorLogColumns)
    .from(generationErrorLogs)
    .where(and(ofUser(generationErrorLogs, userId), errorLogPages.after(after)))
    .orderBy(...errorLogPages.orderBy)
    .limit(limit + 1);
}

/** Lists the caller's error logs, newest first. One round trip. */
export async function listErrorLogs(
  deps: AuthedDeps,
  query: PageQuery,
): Promise<{ data: ErrorLogJson[]; pagination: Pagination }> {
  const after = await errorLogPages.open(query.cursor, deps.config.jwtSecret);
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    buildErrorLogsPageQuery(deps.db, deps.auth.userId, query.limit, after),
  ]);
  const { page, pagination } = await errorLogPages.page(rows, query.limit, deps.config.jwtSecret, after);
  return { data: page.map(toErrorLogJson), pagination };
}

/**
 * Reads one of the caller's error logs. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getErrorLog(deps: AuthedDeps, id: string): Promise<ErrorLogJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select(errorLogColumns)
      .from(generationErrorLogs)
      .where(ownedBy(generationErrorLogs, id, deps.auth.userId)),
  ]);
  const row = rows[0];
  if (!row) throw notFound("generation error log", id);
  return toErrorLogJson(row);
}
