/**
 * Account security: the caller's live sessions, ending one or all of them, and changing the password.
 * Only a password-authenticated session reaches these (the routes' scope is `session`). Ending
 * sessions and changing the password also delete every personal access token.
 */
import { and, desc, eq, gt, isNull, ne } from "drizzle-orm";
import { commonPasswordGate, isCommonPassword } from "../../db/common-password-gate";
import { personalAccessTokens, sessions, users } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthContext } from "../../env";
import type { AuthedDeps } from "../../lib/deps";
import { forbidden, notFound, unauthorized, validationFailed } from "../../lib/errors";
import { hashPassword, verifyPassword } from "../../lib/password";
import { toIso } from "../../lib/time";
import type { ChangePasswordInput, SessionView } from "./sessions.schemas";

/** Most sessions listed (newest first): a person has a handful; a script that logs in every run, more. */
const SESSIONS_LISTED_MAX = 100;

const currentSessionId = (auth: AuthContext) => (auth.kind === "session" ? auth.sessionId : null);

const liveSessionsOf = (userId: string, now: number) =>
  and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now));

/** The caller's live sessions, newest first, the current one marked; one round trip. */
export async function listSessions(deps: AuthedDeps): Promise<{ data: SessionView[] }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select()
      .from(sessions)
      .where(liveSessionsOf(deps.auth.userId, deps.now))
      .orderBy(desc(sessions.createdAt), desc(sessions.id))
      .limit(SESSIONS_LISTED_MAX),
  ]);
  const current = currentSessionId(deps.auth);
  return {
    data: rows.map((row) => ({
      id: row.id,
      created_at: toIso(row.createdAt),
      last_refreshed_at: row.lastRefreshedAt === null ? null : toIso(row.lastRefreshedAt),
      expires_at: toIso(row.expiresAt),
      user_agent: row.userAgent,
      current: row.id === current,
    })),
  };
}

/**
 * Ends one of the caller's live sessions (the current one too); its tokens stop working at once.
 * @throws ApiError 404 for an unknown, ended or foreign session.
 */
export async function revokeSessionById(deps: AuthedDeps, id: string): Promise<void> {
  const [revoked] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .update(sessions)
      .set({ revokedAt: deps.now })
      .where(and(eq(sessions.id, id), liveSessionsOf(deps.auth.userId, deps.now)))
      .returning({ id: sessions.id }),
  ]);
  if (revoked.length === 0) throw notFound("session", id);
}

/** Ends every session of the caller (the current one too) and deletes every token; one round trip. */
export async function logoutEverywhere(deps: AuthedDeps): Promise<void> {
  await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .update(sessions)
      .set({ revokedAt: deps.now })
      .where(and(eq(sessions.userId, deps.auth.userId), isNull(sessions.revokedAt))),
    deps.db.delete(personalAccessTokens).where(eq(personalAccessTokens.userId, deps.auth.userId)),
  ]);
}

/**
 * Changes the password after checking the current one, revokes every other session and deletes every
 * token, in one batch behind the session gate and the common-password gate.
 * @throws ApiError 403 `invalid_password` for a wrong current password; 400 `validation_failed`
 * (`new_password`) when the new one equals the email or is a commonly used password.
 */
export async function changePassword(deps: AuthedDeps, input: ChangePasswordInput): Promise<void> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select({ email: users.email, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, deps.auth.userId)),
  ]);
  const user = rows[0];
  if (!user) throw unauthorized("The account no longer exists.");
  if (!(await verifyPassword(input.current_password, user.passwordHash))) {
    throw forbidden("The current password is incorrect.", "invalid_password");
  }
  const rule = (code: string, message: string) => validationFailed([{ path: "new_password", code, message }]);
  if (input.new_password.trim().toLowerCase() === user.email)
    throw rule("custom", "Must not be the same as the email.");
  const passwordHash = await hashPassword(input.new_password);
  const current = currentSessionId(deps.auth);
  try {
    await authedBatch(deps.db, deps.auth, deps.now, [
      commonPasswordGate(deps.db, input.new_password),
      deps.db.update(users).set({ passwordHash, updatedAt: deps.now }).where(eq(users.id, deps.auth.userId)),
      deps.db
        .update(sessions)
        .set({ revokedAt: deps.now })
        .where(
          and(
            eq(sessions.userId, deps.auth.userId),
            isNull(sessions.revokedAt),
            current === null ? undefined : ne(sessions.id, current),
          ),
        ),
      deps.db.delete(personalAccessTokens).where(eq(personalAccessTokens.userId, deps.auth.userId)),
    ]);
  } catch (error) {
    if (isCommonPassword(error)) {
      throw rule("common_password", "Is a commonly used password; choose one that is harder to guess.");
    }
    throw error;
  }
}
