/**
 * Authenticated batches: the session check travels in the same D1 round trip as the request's own
 * statements, in one of two forms:
 * - writes: the first statement inserts into the `session_gate` view, whose trigger aborts the whole
 *   batch (one transaction, on the primary) when the session is revoked, expired or not the caller's.
 *   A write from a dead session can never land; logout and account deletion take effect at once.
 * - reads: the first statement SELECTs the live session; the batch is read-only, so it can run on a
 *   replica. When the check comes back empty the rows read are dropped and the caller gets 401. A
 *   replica that lags behind a logout honours the session for that lag (the client closes the window
 *   by sending the logout's `X-D1-Bookmark`; see the platform plan).
 * See migrations/0001_session_gate.sql.
 */

import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AuthContext } from "../env";
import { unauthorized } from "../lib/errors";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";
import { sessions } from "./schema";

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

/** The read-only session check for one caller at one instant: one row when the session is alive. */
export function sessionCheck(db: Db, auth: AuthContext, nowMs: number) {
  return db
    .select({ live: sql<number>`1` })
    .from(sessions)
    .where(
      and(
        eq(sessions.id, auth.sessionId),
        eq(sessions.userId, auth.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, nowMs),
      ),
    );
}

const sessionEnded = () => unauthorized("The session has ended; log in again.", "session_expired");

/**
 * Runs `statements` in one D1 batch behind the session check (the gate on writes, the read-only
 * check on reads: `auth.access`) and returns their results in order.
 * @throws ApiError 401 when the session is no longer valid (nothing in the batch is applied).
 */
export async function authedBatch<const T extends readonly BatchItem<"sqlite">[]>(
  db: Db,
  auth: AuthContext,
  nowMs: number,
  statements: T,
): Promise<BatchResponse<T>> {
  if (auth.access === "read") {
    const [live, ...results] = await db.batch([sessionCheck(db, auth, nowMs), ...statements] as [
      BatchItem<"sqlite">,
      ...BatchItem<"sqlite">[],
    ]);
    if ((live as unknown[]).length === 0) throw sessionEnded();
    return results as unknown as BatchResponse<T>;
  }
  try {
    const [, ...results] = await db.batch([sessionGate(db, auth, nowMs), ...statements] as [
      BatchItem<"sqlite">,
      ...BatchItem<"sqlite">[],
    ]);
    return results as unknown as BatchResponse<T>;
  } catch (error) {
    if (causeMessages(error).some((message) => message.includes(SESSION_INVALID))) throw sessionEnded();
    throw error;
  }
}
