/**
 * The drizzle handle over the D1 binding. Created per request from `env` (cheap: no connection).
 */
import { drizzle } from "drizzle-orm/d1";

/** The drizzle database every handler and query builder takes. */
export type Db = ReturnType<typeof createDb>;

/**
 * Wraps a D1 binding or a D1 session (or a test wrapper around either) in drizzle. A session has no
 * `exec`/`dump`, but drizzle's D1 driver only calls `prepare` and `batch`, which it has: hence the cast.
 */
export function createDb(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database);
}
