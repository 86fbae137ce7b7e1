/**
 * What a handler gets from a request: the database (on the request's D1 session), the configuration, the request's instant and,
 * behind `requireAuth()`, the caller. Handlers never see the Hono context itself.
 */
import type { Context } from "hono";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";

/** Dependencies for public routes (no caller yet). */
export const publicDeps = (c: Context<AppEnv>) => ({
  db: createDb(c.get("d1")),
  config: c.get("config"),
  now: Date.now(),
});

/** Dependencies for routes behind `requireAuth()`. */
export const authedDeps = (c: Context<AppEnv>) => ({ ...publicDeps(c), auth: c.get("auth") });
