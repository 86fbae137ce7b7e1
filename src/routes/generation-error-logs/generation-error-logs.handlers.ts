import { newestFirst } from "../../db/newest-first";
import { generationErrorLogs } from "../../db/schema";
import type { AuthedDeps } from "../../lib/deps";
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

/** Newest first; a cursor only pages the error logs. */
const errorLogRecords = newestFirst({
  table: generationErrorLogs,
  columns: errorLogColumns,
  scope: "generation-error-logs",
  resource: "generation error log",
});

/** Lists the caller's error logs, newest first. One round trip. */
export async function listErrorLogs(
  deps: AuthedDeps,
  query: PageQuery,
): Promise<{ data: ErrorLogJson[]; pagination: Pagination }> {
  const { page, pagination } = await errorLogRecords.list(deps, query);
  return { data: page.map(toErrorLogJson), pagination };
}

/**
 * Reads one of the caller's error logs. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getErrorLog(deps: AuthedDeps, id: string): Promise<ErrorLogJson> {
  return toErrorLogJson(await errorLogRecords.get(deps, id));
}
