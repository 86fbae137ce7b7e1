/**
 * Accounts: registration, login, refresh-token rotation, logout, profile and account deletion.
 * Handlers take plain typed input and throw ApiErrors; routes only translate HTTP.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { commonPasswordGate, isCommonPassword } from "../../db/common-password-gate";
import { isUniqueViolation } from "../../db/d1-errors";
import {
  countLoginAttempt,
  forgetLoginState,
  isLocked,
  readLoginThrottle,
  recordLoginSuccess,
} from "../../db/login-throttle";
import { refreshTokens, sessions, users } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { clientNetwork } from "../../lib/client-network";
import type { AuthedDeps, PublicDeps } from "../../lib/deps";
import {
  conflict,
  forbidden,
  invalidCredentials,
  loginThrottled,
  unauthorized,
  validationFailed,
} from "../../lib/errors";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../../lib/password";
import { toIso } from "../../lib/time";
import { newRefreshToken, sha256Hex, signAccessToken, successorRefreshToken } from "../../lib/tokens";
import type { LoginInput, PublicUser, RegisterInput, TokenPair } from "./auth.schemas";

const toPublicUser = (user: { id: string; email: string; createdAt: number }): PublicUser => ({
  id: user.id,
  email: user.email,
  created_at: toIso(user.createdAt),
});

/** What a session keeps of the client's User-Agent (shown in GET /auth/sessions): at most 256 characters. */
const sessionUserAgent = (userAgent: string | undefined) => userAgent?.trim().slice(0, 256) || null;

/** Who is opening a session: the client network (throttling) and its User-Agent (the session list). */
export type ClientInfo = { address?: string; userAgent?: string };

/**
 * Prepares a new session for a user: the rows to insert and the tokens to hand out.
 * The caller runs the statements in its own batch.
 */
async function prepareSession(deps: PublicDeps, userId: string, userAgent?: string) {
  const sessionId = crypto.randomUUID();
  const refreshToken = newRefreshToken();
  const [tokenHash, accessToken] = await Promise.all([
    sha256Hex(refreshToken),
    signAccessToken(
      { userId, sessionId, nowMs: deps.now, ttlSeconds: deps.config.accessTokenTtlSeconds },
      deps.config.jwtSecret,
    ),
  ]);
  const statements = [
    deps.db.insert(sessions).values({
      id: sessionId,
      userId,
      createdAt: deps.now,
      expiresAt: deps.now + deps.config.refreshTokenTtlMs,
      userAgent: sessionUserAgent(userAgent),
    }),
    deps.db.insert(refreshTokens).values({ tokenHash, sessionId, createdAt: deps.now }),
  ] as const;
  return { statements, accessToken, refreshToken };
}

const tokenPair = (deps: PublicDeps, user: PublicUser, accessToken: string, refreshToken: string): TokenPair => ({
  user,
  access_token: accessToken,
  refresh_token: refreshToken,
  token_type: "Bearer",
  expires_in: deps.config.accessTokenTtlSeconds,
});

/** The throttle key of an email (hashed: emails of people without an account are not stored in clear). */
const accountKeyOf = (email: string) => sha256Hex(`login:${email}`);
/** The throttle key of a client network (hashed: no IP addresses at rest). */
const networkKeyOf = (address: string | undefined) => sha256Hex(`network:${clientNetwork(address)}`);

/**
 * Creates a user and their first session in one batch, behind the common-password gate.
 * @throws ApiError 400 `validation_failed` (`password`: `common_password`) for a commonly used password;
 * 409 `email_taken` when the email is registered (also under concurrent registrations: the unique
 * index decides).
 */
export async function registerUser(
  deps: PublicDeps,
  input: RegisterInput,
  client: ClientInfo = {},
): Promise<TokenPair> {
  const userId = crypto.randomUUID();
  const passwordHash = await hashPassword(input.password);
  const session = await prepareSession(deps, userId, client.userAgent);
  try {
    await deps.db.batch([
      commonPasswordGate(deps.db, input.password),
      deps.db
        .insert(users)
        .values({ id: userId, email: input.email, passwordHash, createdAt: deps.now, updatedAt: deps.now }),
      ...session.statements,
    ]);
  } catch (error) {
    if (isCommonPassword(error)) {
      throw validationFailed([
        {
          path: "password",
          code: "common_password",
          message: "Is a commonly used password; choose one that is harder to guess.",
        },
      ]);
    }
    if (isUniqueViolation(error)) throw conflict("An account with this email already exists.", "email_taken");
    throw error;
  }
  return tokenPair(
    deps,
    toPublicUser({ id: userId, email: input.email, createdAt: deps.now }),
    session.accessToken,
    session.refreshToken,
  );
}

/**
 * Logs a user in with email and password and opens a new session. The attempt is counted against the
 * account's throttle before any hashing (src/db/login-throttle.ts), in the same round trip as the user
 * lookup. An unknown email verifies against a dummy hash so both failures cost the same and look the
 * same; unknown emails are throttled alike, so a 429 says nothing about which emails exist.
 * @throws ApiError 429 `login_throttled` (with `Retry-After`) during the account's back-off;
 * 401 `invalid_credentials`.
 */
export async function loginUser(deps: PublicDeps, input: LoginInput, client: ClientInfo = {}): Promise<TokenPair> {
  const [accountKey, networkKey] = await Promise.all([accountKeyOf(input.email), networkKeyOf(client.address)]);
  const throttle = { accountKey, networkKey, now: deps.now };
  const [counted, [state], [user]] = await deps.db.batch([
    countLoginAttempt(deps.db, throttle),
    readLoginThrottle(deps.db, accountKey),
    deps.db
      .select({ id: users.id, email: users.email, createdAt: users.createdAt, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.email, input.email))
      .limit(1),
  ]);
  if (counted.length === 0 && isLocked(state?.lockedUntil, deps.now)) {
    throw loginThrottled(((state?.lockedUntil ?? deps.now) - deps.now) / 1000);
  }
  const isValid = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !isValid) throw invalidCredentials();
  const session = await prepareSession(deps, user.id, client.userAgent);
  await deps.db.batch([...session.statements, ...recordLoginSuccess(deps.db, throttle)]);
  return tokenPair(deps, toPublicUser(user), session.accessToken, session.refreshToken);
}

const revokeSession = (deps: PublicDeps, sessionId: string) =>
  deps.db
    .update(sessions)
    .set({ revokedAt: deps.now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));

/**
 * How long a rotated refresh token may be presented again and get the same new pair (Supabase uses
 * 10 s): two tabs refreshing at once, or a retry after a lost answer, must not end the session. Later,
 * reuse still revokes it.
 */
export const REFRESH_REUSE_INTERVAL_MS = 10_000;

/**
 * Exchanges a refresh token for a new pair and retires the old one (rotation).
 * A token used again within `REFRESH_REUSE_INTERVAL_MS` of its rotation gets the same new pair (a race
 * or a retried request); later, it means the token leaked: the whole session is revoked.
 * @throws ApiError 401 `invalid_refresh_token` (unknown, expired, revoked) or `refresh_token_reused`.
 */
export async function refreshSession(deps: PublicDeps, refreshToken: string): Promise<TokenPair> {
  const oldHash = await sha256Hex(refreshToken);
  const [found] = await deps.db
    .select({
      sessionId: refreshTokens.sessionId,
      usedAt: refreshTokens.usedAt,
      expiresAt: sessions.expiresAt,
      revokedAt: sessions.revokedAt,
      userId: users.id,
      email: users.email,
      createdAt: users.createdAt,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, oldHash))
    .limit(1);
  if (!found || found.revokedAt !== null || found.expiresAt <= deps.now) {
    throw unauthorized("The refresh token is invalid or expired; log in again.", "invalid_refresh_token");
  }
  const reused = () =>
    unauthorized("The refresh token was already used; the session has been revoked.", "refresh_token_reused");
  const user = toPublicUser({ id: found.userId, email: found.email, createdAt: found.createdAt });
  // The successor and its access token are functions of the old token and the rotation's instant,
  // so a repeat within the reuse interval answers with exactly the pair the first refresh returned.
  const pairRotatedAt = async (rotatedAt: number) => {
    const [newToken, accessToken] = await Promise.all([
      successorRefreshToken(refreshToken, deps.config.jwtSecret),
      signAccessToken(
        {
          userId: found.userId,
          sessionId: found.sessionId,
          nowMs: rotatedAt,
          ttlSeconds: deps.config.accessTokenTtlSeconds,
        },
        deps.config.jwtSecret,
      ),
    ]);
    return tokenPair(deps, user, accessToken, newToken);
  };
  /** A used token: the same pair again within the interval, else reuse (the session is revoked). */
  const replay = async (usedAt: number | null | undefined) => {
    if (usedAt != null && deps.now - usedAt <= REFRESH_REUSE_INTERVAL_MS) return pairRotatedAt(usedAt);
    await revokeSession(deps, found.sessionId);
    throw reused();
  };
  if (found.usedAt !== null) return replay(found.usedAt);

  const pair = await pairRotatedAt(deps.now);
  const newHash = await sha256Hex(pair.refresh_token);
  // Both statements are conditional on the old token being unused, inside one transaction: of two
  // concurrent refreshes exactly one inserts a successor; the other sees zero changes.
  const [inserted] = await deps.db.batch([
    deps.db.insert(refreshTokens).select(
      deps.db
        .select({
          tokenHash: sql<string>`${newHash}`.as("token_hash"),
          sessionId: refreshTokens.sessionId,
          createdAt: sql<number>`${deps.now}`.as("created_at"),
          usedAt: sql<number | null>`NULL`.as("used_at"),
        })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .where(
          and(
            eq(refreshTokens.tokenHash, oldHash),
            isNull(refreshTokens.usedAt),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, deps.now),
          ),
        ),
    ),
    deps.db
      .update(refreshTokens)
      .set({ usedAt: deps.now })
      .where(and(eq(refreshTokens.tokenHash, oldHash), isNull(refreshTokens.usedAt))),
    // Shown in GET /auth/sessions; the WHERE keeps a losing concurrent refresh from touching it.
    deps.db
      .update(sessions)
      .set({ lastRefreshedAt: deps.now })
      .where(
        and(
          eq(sessions.id, found.sessionId),
          sql`EXISTS (SELECT 1 FROM ${refreshTokens} WHERE ${refreshTokens.tokenHash} = ${newHash})`,
        ),
      ),
  ]);
  if (inserted.meta.changes !== 1) {
    // A concurrent refresh rotated it first: answer with its pair (read its instant), or count reuse.
    const [winner] = await deps.db
      .select({ usedAt: refreshTokens.usedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, oldHash));
    return replay(winner?.usedAt);
  }
  return pair;
}

/**
 * Revokes the session a refresh token belongs to; its access tokens stop working on the next request
 * (the session gate). Idempotent: an unknown or already revoked token is not an error.
 */
export async function logoutSession(deps: PublicDeps, refreshToken: string): Promise<void> {
  const tokenHash = await sha256Hex(refreshToken);
  await deps.db
    .update(sessions)
    .set({ revokedAt: deps.now })
    .where(
      and(
        isNull(sessions.revokedAt),
        eq(
          sessions.id,
          deps.db
            .select({ id: refreshTokens.sessionId })
            .from(refreshTokens)
            .where(eq(refreshTokens.tokenHash, tokenHash)),
        ),
      ),
    );
}

/** The caller's profile, in one round trip with the session check. */
export async function getCurrentUser(deps: AuthedDeps): Promise<PublicUser> {
  const { auth } = deps;
  const [rows] = await authedBatch(deps.db, auth, deps.now, [
    deps.db
      .select({ id: users.id, email: users.email, createdAt: users.createdAt })
      .from(users)
      .where(eq(users.id, auth.userId)),
  ]);
  const user = rows[0];
  // The gate guarantees a live session, and sessions cascade with their user; kept as a safety net.
  if (!user) throw unauthorized("The account no longer exists.");
  return toPublicUser(user);
}

/**
 * Deletes the caller's account after re-checking the password. Every row the user owns goes with it
 * through ON DELETE CASCADE, in one statement, so nothing is left half-deleted.
 * @throws ApiError 403 `invalid_password` when the password is wrong.
 */
export async function deleteCurrentUser(deps: AuthedDeps, password: string): Promise<void> {
  const { auth } = deps;
  const [rows] = await authedBatch(deps.db, auth, deps.now, [
    deps.db
      .select({ email: users.email, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, auth.userId)),
  ]);
  const user = rows[0];
  if (!user) throw unauthorized("The account no longer exists.");
  if (!(await verifyPassword(password, user.passwordHash))) {
    throw forbidden("The password is incorrect.", "invalid_password");
  }
  await authedBatch(deps.db, auth, deps.now, [
    deps.db.delete(users).where(eq(users.id, auth.userId)),
    // Keyed by the email's hash, not by the user: no foreign key cascades them.
    ...forgetLoginState(deps.db, await accountKeyOf(user.email)),
  ]);
}
