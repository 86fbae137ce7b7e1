/**
 * Authenticated batches: the session check travels in the same D1 round trip as the request's own
 * statements. The first statement inserts into the `session_gate` view, whose trigger aborts the
 * whole batch (one transaction) when the session is revoked, expired or not the caller's. So a
 * logout or account deletion takes effect on the very next request, and a write from a dead session
 * can never land. See migrations/0001_session_gate.sql.
 */
import { sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { AuthContext } from "../env";
import { unauthorized } from "../lib/errors";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";

/** The message the gate's trigger raises; matched to turn the abort into a 401. */
const SESSION_INVALID = "session_invalid";

/** The gate statement for one caller at one instant. */
export function sessionGate(db: Db, auth: AuthContext, nowMs: number) {
  return db.run(
    sql`INSERT INTO session_gate (session_id, user_id, at) VALUES (${auth.sessionId}, ${auth.userId}, ${nowMs})`,
  );
}

/**
 * Runs `statements` in one D1 batch behind the session gate and returns their results in order.
 * @throws ApiError 401 when the session is no longer valid (nothing in the batch is applied).
 */
export async function authedBatch<T extends readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]>(
  db: Db,
  auth: AuthContext,
  nowMs: number,
  statements: T,
): Promise<BatchResponse<T>> {
  try {
    const [, ...results] = await db.batch([sessionGate(db, auth, nowMs), ...statements]);
    return results as BatchResponse<T>;
  } catch (error) {
    if (causeMessages(error).some((message) => message.includes(SESSION_INVALID))) {
      throw unauthorized("The session has ended; log in again.", "session_expired");
    }
    throw error;
  }
}
