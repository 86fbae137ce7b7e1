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
 * A personal access token gets the same two forms (`token_gate`, migrations/0019).
 * See migrations/0001_session_gate.sql.
 */

import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AuthContext } from "../env";
import { unauthorized } from "../lib/errors";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";
import { personalAccessTokens, sessions } from "./schema";
import { slot, statementTemplate } from "./statement-template";

/** The messages the gates' triggers raise; matched to turn the abort into a 401. */
const SESSION_INVALID = "session_invalid";
const TOKEN_INVALID = "token_invalid";

/**
 * The gate views as drizzle sees them, only to build the INSERTs. Deliberately not in schema.ts:
 * drizzle-kit would create tables; the views and triggers live in hand-written migrations.
 */
const sessionGateView = sqliteTable("session_gate", {
  sessionId: text("session_id").notNull(),
  userId: text("user_id").notNull(),
  at: integer("at").notNull(),
});
const tokenGateView = sqliteTable("token_gate", {
  tokenId: text("token_id").notNull(),
  userId: text("user_id").notNull(),
  at: integer("at").notNull(),
});

type SessionAuth = Extract<AuthContext, { kind: "session" }>;
type TokenAuth = Extract<AuthContext, { kind: "token" }>;

// Every authenticated request runs one of the two session statements: their SQL is built once (#19).
const sessionGateTemplate = statementTemplate((db: Db) =>
  db.insert(sessionGateView).values({ sessionId: slot("sessionId"), userId: slot("userId"), at: slot<number>("at") }),
);
const sessionCheckTemplate = statementTemplate((db: Db) =>
  db
    .select({ live: sql<number>`1` })
    .from(sessions)
    .where(
      and(
        eq(sessions.id, slot("sessionId")),
        eq(sessions.userId, slot("userId")),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, slot<number>("at")),
      ),
    ),
);

/** The write gate for a session at one instant (aborts the batch when the session is dead). */
export function sessionGate(db: Db, auth: SessionAuth, nowMs: number) {
  return sessionGateTemplate(db, { sessionId: auth.sessionId, userId: auth.userId, at: nowMs });
}

/** The write gate for a personal access token (migrations/0019: aborts when deleted or expired). */
export function tokenGate(db: Db, auth: TokenAuth, nowMs: number) {
  return db.insert(tokenGateView).values({ tokenId: auth.tokenId, userId: auth.userId, at: nowMs });
}

/** The read-only session check for one caller at one instant: one row when the session is alive. */
export function sessionCheck(db: Db, auth: SessionAuth, nowMs: number) {
  return sessionCheckTemplate(db, { sessionId: auth.sessionId, userId: auth.userId, at: nowMs });
}

/** The read-only token check: one row when the token still exists, is the user's and has not expired. */
export function tokenCheck(db: Db, auth: TokenAuth, nowMs: number) {
  const t = personalAccessTokens;
  return db
    .select({ live: sql<number>`1` })
    .from(t)
    .where(and(eq(t.id, auth.tokenId), eq(t.userId, auth.userId), or(isNull(t.expiresAt), gt(t.expiresAt, nowMs))));
}

const ended = (auth: AuthContext) =>
  auth.kind === "token"
    ? unauthorized("The access token was revoked or has expired.", "invalid_token")
    : unauthorized("The session has ended; log in again.", "session_expired");

/**
 * Runs `statements` in one D1 batch behind the caller's check (the gate on writes, the read-only
 * check on reads: `auth.access`; a session or a personal access token: `auth.kind`) and returns their
 * results in order.
 * @throws ApiError 401 when the session or token is no longer valid (nothing in the batch is applied).
 */
export async function authedBatch<const T extends readonly BatchItem<"sqlite">[]>(
  db: Db,
  auth: AuthContext,
  nowMs: number,
  statements: T,
): Promise<BatchResponse<T>> {
  if (auth.access === "read") {
    const check = auth.kind === "token" ? tokenCheck(db, auth, nowMs) : sessionCheck(db, auth, nowMs);
    const [live, ...results] = await db.batch([check, ...statements] as [
      BatchItem<"sqlite">,
      ...BatchItem<"sqlite">[],
    ]);
    if ((live as unknown[]).length === 0) throw ended(auth);
    return results as unknown as BatchResponse<T>;
  }
  const gate = auth.kind === "token" ? tokenGate(db, auth, nowMs) : sessionGate(db, auth, nowMs);
  try {
    const [, ...results] = await db.batch([gate, ...statements] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    return results as unknown as BatchResponse<T>;
  } catch (error) {
    if (causeMessages(error).some((message) => message.includes(SESSION_INVALID) || message.includes(TOKEN_INVALID)))
      throw ended(auth);
    throw error;
  }
}
