/**
 * Generation error logs: the record of every failed generation attempt, readable by its owner.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { generationErrorLogs } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { notFound } from "../../lib/errors";
import { type KeysetPosition, readNewestFirstCursor, toNewestFirstPage } from "../../lib/keyset";
import type { Pagination } from "../../lib/paging";
import { type ErrorLogJson, toErrorLogJson } from "../generations/generation-view";
import type { GenerationDeps } from "../generations/generations.handlers";
import type { NewestFirstQuery } from "../generations/generations.schemas";

const errorLogColumns = {
  id: generationErrorLogs.id,
  model: generationErrorLogs.model,
  sourceTextHash: generationErrorLogs.sourceTextHash,
  sourceTextLength: generationErrorLogs.sourceTextLength,
  errorCode: generationErrorLogs.errorCode,
  errorMessage: generationErrorLogs.errorMessage,
  createdAt: generationErrorLogs.createdAt,
};

/** Query builder for one newest-first page (exported for EXPLAIN tests). */
export function buildErrorLogsPageQuery(db: Db, userId: string, limit: number, after?: KeysetPosition) {
  const conditions = [eq(generationErrorLogs.userId, userId)];
  if (after)
    conditions.push(sql`(${generationErrorLogs.createdAt}, ${generationErrorLogs.id}) < (${after.v}, ${after.id})`);
  return db
    .select(errorLogColumns)
    .from(generationErrorLogs)
    .where(and(...conditions))
    .orderBy(desc(generationErrorLogs.createdAt), desc(generationErrorLogs.id))
    .limit(limit + 1);
}

/** Lists the caller's error logs, newest first. One round trip. */
export async function listErrorLogs(
  deps: GenerationDeps,
  query: NewestFirstQuery,
): Promise<{ data: ErrorLogJson[]; pagination: Pagination }> {
  const after = await readNewestFirstCursor(query.cursor, "generation-error-logs", deps.config.jwtSecret);
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    buildErrorLogsPageQuery(deps.db, deps.auth.userId, query.limit, after),
  ]);
  const { page, pagination } = await toNewestFirstPage(
    rows,
    query.limit,
    "generation-error-logs",
    deps.config.jwtSecret,
  );
  return { data: page.map(toErrorLogJson), pagination };
}

/**
 * Reads one of the caller's error logs. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getErrorLog(deps: GenerationDeps, id: string): Promise<ErrorLogJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select(errorLogColumns)
      .from(generationErrorLogs)
      .where(and(eq(generationErrorLogs.id, id), eq(generationErrorLogs.userId, deps.auth.userId))),
  ]);
  const row = rows[0];
  if (!row) throw notFound("generation error log", id);
  return toErrorLogJson(row);
}
