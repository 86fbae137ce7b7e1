/**
 * What a handler gets from a request: the database (on the request's D1 session), the configuration, the request's instant and,
 * behind `requireAuth()`, the caller. Handlers never see the Hono context itself, and read the clock only
 * through `now` (one instant per request: every timestamp a request writes is the same).
 */
import type { Context } from "hono";
import { createDb, type Db } from "../db/client";
import type { AppEnv, AuthContext, Config } from "../env";

/** Dependencies of public handlers (no caller yet). */
export type PublicDeps = { db: Db; config: Config; now: number };

/** Dependencies of handlers behind `requireAuth()`. */
export type AuthedDeps = PublicDeps & { auth: AuthContext };

/** Builds the dependencies of a public handler from the request. */
export const publicDeps = (c: Context<AppEnv>): PublicDeps => ({
  db: createDb(c.get("d1")),
  config: c.get("config"),
  now: Date.now(),
});

/** Builds the dependencies of a handler behind `requireAuth()`. */
export const authedDeps = (c: Context<AppEnv>): AuthedDeps => ({ ...publicDeps(c), auth: c.get("auth") });
