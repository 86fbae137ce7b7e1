/**
 * Per-account login throttling (issue #12 item 2). The per-network limiter alone let an attacker who
 * rotates addresses guess one account's password without end; this one counts per account, in D1.
 *
 * Every login attempt is counted *before* the password is hashed, by one conditional upsert that
 * refuses while the account is in back-off: concurrent guesses cannot slip past a count read earlier.
 * After `FREE_ATTEMPTS` attempts without a success, each further attempt sets a back-off of 1 s, 2 s,
 * 4 s, … capped at `MAX_BACKOFF_MS`. A success deletes the row. Counts decay after a quiet day.
 *
 * Why an attacker cannot lock the owner out indefinitely: the back-off is capped (15 minutes), it
 * never touches existing sessions (refresh keeps working), and a login from a network the account
 * has logged in from before (IPv4 address or IPv6 /64, kept 90 days) passes the back-off to the
 * password check; there only the per-network limiter applies (10 a minute).
 */
import { eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "./client";
import { loginThrottles, trustedLoginNetworks } from "./schema";

/** Attempts without a success before the back-off starts. */
export const FREE_ATTEMPTS = 5;
/** The first back-off; it doubles with every further attempt. */
export const BASE_BACKOFF_MS = 1_000;
/** The longest back-off. */
export const MAX_BACKOFF_MS = 15 * 60_000;
/** After this long without an attempt, the count starts again. */
export const FAILURE_DECAY_MS = 24 * 3_600_000;
/** How long a network stays trusted after a successful login from it. */
export const TRUSTED_NETWORK_MS = 90 * 24 * 3_600_000;

/**
 * Counts one attempt unless the account is in back-off (and the network is not a trusted one).
 * Returns the row when the attempt may proceed to the password check, nothing when it must wait.
 */
export function countLoginAttempt(db: Db, input: { accountKey: string; networkKey: string; now: number }) {
  const { accountKey, networkKey, now } = input;
  const attempts = sql`(CASE WHEN ${loginThrottles.updatedAt} <= ${now - FAILURE_DECAY_MS} THEN 1 ELSE ${loginThrottles.failures} + 1 END)`;
  // 1 s << (attempts - FREE_ATTEMPTS), capped; the shift is bounded so it cannot overflow.
  const backoff = sql`min(${MAX_BACKOFF_MS}, ${BASE_BACKOFF_MS} * (1 << min(${attempts} - ${FREE_ATTEMPTS}, 20)))`;
  const isTrusted = sql`EXISTS (SELECT 1 FROM ${trustedLoginNetworks} WHERE ${trustedLoginNetworks.accountKey} = ${accountKey} AND ${trustedLoginNetworks.networkKey} = ${networkKey} AND ${trustedLoginNetworks.lastSuccessAt} > ${now - TRUSTED_NETWORK_MS})`;
  return db
    .insert(loginThrottles)
    .values({ accountKey, failures: 1, lockedUntil: FREE_ATTEMPTS <= 1 ? now + BASE_BACKOFF_MS : null, updatedAt: now })
    .onConflictDoUpdate({
      target: loginThrottles.accountKey,
      set: {
        failures: attempts,
        lockedUntil: sql`CASE WHEN ${attempts} >= ${FREE_ATTEMPTS} THEN ${now} + ${backoff} ELSE NULL END`,
        updatedAt: now,
      },
      setWhere: sql`${loginThrottles.lockedUntil} IS NULL OR ${loginThrottles.lockedUntil} <= ${now} OR ${isTrusted}`,
    })
    .returning({ failures: loginThrottles.failures });
}

/** The account's back-off end (for `Retry-After`), read in the same batch after the attempt. */
export const readLoginThrottle = (db: Db, accountKey: string) =>
  db
    .select({ lockedUntil: loginThrottles.lockedUntil })
    .from(loginThrottles)
    .where(eq(loginThrottles.accountKey, accountKey));

/**
 * What a successful login writes: the count is reset, the network becomes trusted, and up to 100
 * throttle rows that have been quiet for a day are pruned (rows exist for unknown emails too).
 */
export function recordLoginSuccess(db: Db, input: { accountKey: string; networkKey: string; now: number }) {
  const { accountKey, networkKey, now } = input;
  const stale = db
    .select({ key: loginThrottles.accountKey })
    .from(loginThrottles)
    .where(lt(loginThrottles.updatedAt, now - FAILURE_DECAY_MS))
    .limit(100);
  return [
    db.delete(loginThrottles).where(eq(loginThrottles.accountKey, accountKey)),
    db
      .insert(trustedLoginNetworks)
      .values({ accountKey, networkKey, lastSuccessAt: now })
      .onConflictDoUpdate({
        target: [trustedLoginNetworks.accountKey, trustedLoginNetworks.networkKey],
        set: { lastSuccessAt: now },
      }),
    db.delete(loginThrottles).where(inArray(loginThrottles.accountKey, stale)),
  ] as const;
}

/** Forgets an account's throttle state and trusted networks (account deletion). */
export const forgetLoginState = (db: Db, accountKey: string) =>
  [
    db.delete(loginThrottles).where(eq(loginThrottles.accountKey, accountKey)),
    db.delete(trustedLoginNetworks).where(eq(trustedLoginNetworks.accountKey, accountKey)),
  ] as const;

/** True while `lockedUntil` is in the future. */
export const isLocked = (lockedUntil: number | null | undefined, now: number) =>
  lockedUntil != null && lockedUntil > now;
