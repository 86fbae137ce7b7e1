/**
 * Authenticated batches: the session check travels in the same D1 round trip as the request's own
 * statements. The first statement inserts into the `session_gate` view, whose trigger aborts the
 * whole batch (one transaction) when the session is revoked, expired or not the caller's. So a
 * logout or account deletion takes effect on the very next request, and a write from a dead session
 * can never land. See migrations/0001_session_gate.sql.
 */
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AuthContext } from "../env";
import { unauthorized } from "../lib/errors";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";

/** The message the gate's trigger raises; matched to turn the abort into a 401. */
const SESSION_INVALID = "session_invalid";

/**
 * The `session_gate` view as drizzle sees it, only to build the INSERT. Deliberately not in
 * schema.ts: drizzle-kit would create a table; the view and its trigger live in a hand-written migration.
 */
const sessionGateView = sqliteTable("session_gate", {
  sessionId: text("session_id").notNull(),
  userId: text("user_id").notNull(),
  at: integer("at").notNull(),
});

/** The gate statement for one caller at one instant. */
export function sessionGate(db: Db, auth: AuthContext, nowMs: number) {
  return db.insert(sessionGateView).values({ sessionId: auth.sessionId, userId: auth.userId, at: nowMs });
}

/**
 * Runs `statements` in one D1 batch behind the session gate and returns their results in order.
 * @throws ApiError 401 when the session is no longer valid (nothing in the batch is applied).
 */
export async function authedBatch<const T extends readonly BatchItem<"sqlite">[]>(
  db: Db,
  auth: AuthContext,
  nowMs: number,
  statements: T,
): Promise<BatchResponse<T>> {
  try {
    const [, ...results] = await db.batch([sessionGate(db, auth, nowMs), ...statements] as [
      BatchItem<"sqlite">,
      ...BatchItem<"sqlite">[],
    ]);
    return results as unknown as BatchResponse<T>;
  } catch (error) {
    if (causeMessages(error).some((message) => message.includes(SESSION_INVALID))) {
      throw unauthorized("The session has ended; log in again.", "session_expired");
    }
    throw error;
  }
}
