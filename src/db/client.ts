/**
 * The drizzle handle over the D1 binding. Created per request from `env` (cheap: no connection).
 */
import { drizzle } from "drizzle-orm/d1";

export type Db = ReturnType<typeof createDb>;

/** Wraps a D1 binding (or a test wrapper around one) in drizzle. */
export function createDb(d1: D1Database) {
  return drizzle(d1);
}
