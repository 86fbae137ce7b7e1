/**
 * Pruning what expires (the Cron Trigger, src/scheduled.ts): idempotency keys past their 24 hours,
 * sessions past their absolute end (their refresh tokens go by cascade), personal access tokens 30
 * days after they expired, quota attempts older than the hour they count in, and login throttles
 * quiet for a day and no longer locking, and change-feed tombstones older than TOMBSTONE_DAYS (raising each
 * user's pruned watermark in the same transaction, so a cursor that could miss one is refused). Each table loses at most PRUNE_BATCH rows per run, all in one
 * batch (one round trip, one transaction), so a run's work is bounded whatever the backlog; a backlog
 * drains over the following runs. Every DELETE picks its rows through an index on the time column.
 */
import { type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { rawStatement } from "./raw-statement";
import { generationAttempts, idempotencyKeys, loginThrottles, personalAccessTokens, sessions } from "./schema";

/** Most rows one table loses per run. */
export const PRUNE_BATCH = 500;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What goes, per table, at instant `now`. New expiring tables (e.g. change-feed tombstones) join here. */
export const pruneRules = (now: number): { name: string; table: SQLiteTable; expired: SQL }[] => [
  { name: "idempotency_keys", table: idempotencyKeys, expired: sql`${idempotencyKeys.createdAt} < ${now - DAY}` },
  { name: "sessions", table: sessions, expired: sql`${sessions.expiresAt} < ${now}` },
  {
    name: "personal_access_tokens",
    table: personalAccessTokens,
    expired: sql`${personalAccessTokens.expiresAt} IS NOT NULL AND ${personalAccessTokens.expiresAt} < ${now - 30 * DAY}`,
  },
  {
    name: "generation_attempts",
    table: generationAttempts,
    expired: sql`${generationAttempts.createdAt} < ${now - HOUR}`,
  },
  {
    name: "login_throttles",
    table: loginThrottles,
    expired: sql`${loginThrottles.updatedAt} < ${now - DAY} AND (${loginThrottles.lockedUntil} IS NULL OR ${loginThrottles.lockedUntil} < ${now})`,
  },
];

/** Change-feed tombstones are kept at least this long (issue #14: a device offline for 90 days still syncs). */
export const TOMBSTONE_DAYS = 90;

/**
 * The oldest PRUNE_BATCH expired tombstones, in the order of `changes_tombstones_idx`. The watermark
 * update and the delete select the same rows (one transaction: nothing changes in between).
 */
const expiredTombstones = (now: number) =>
  sql`SELECT "user_id", "seq" FROM "changes" WHERE "op" = 'delete' AND "changed_at" < ${now - TOMBSTONE_DAYS * DAY}
    ORDER BY "changed_at", "user_id", "seq" LIMIT ${PRUNE_BATCH}`;

/** Raises each affected user's `pruned_seq` to the highest sequence about to be pruned. */
const raiseWatermarks = (db: Db, now: number) =>
  rawStatement(
    db,
    sql`UPDATE "sync_counters" SET "pruned_seq" = max("pruned_seq",
        (SELECT max(p."seq") FROM (${expiredTombstones(now)}) AS p WHERE p."user_id" = "sync_counters"."user_id"))
      WHERE "user_id" IN (SELECT "user_id" FROM (${expiredTombstones(now)}))`,
  );

/** Deletes the tombstones whose sequence the watermark now covers. */
const deleteTombstones = (db: Db, now: number) =>
  rawStatement(db, sql`DELETE FROM "changes" WHERE ("user_id", "seq") IN (${expiredTombstones(now)})`);

/**
 * Deletes up to PRUNE_BATCH expired rows per table in one batch and returns how many went per table.
 */
export async function pruneExpired(db: Db, now: number): Promise<Record<string, number>> {
  const rules = pruneRules(now);
  const [first, ...rest] = rules.map(({ table, expired }) =>
    db.delete(table).where(sql`rowid IN (SELECT rowid FROM ${table} WHERE ${expired} LIMIT ${PRUNE_BATCH})`),
  );
  const results = await db.batch([first!, ...rest, raiseWatermarks(db, now), deleteTombstones(db, now)]);
  const changed = (i: number) => (results[i] as unknown as { meta: { changes: number } }).meta.changes;
  return {
    ...Object.fromEntries(rules.map((rule, i) => [rule.name, changed(i)])),
    change_tombstones: changed(rules.length + 1),
  };
}
