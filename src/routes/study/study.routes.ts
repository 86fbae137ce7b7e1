/**
 * HTTP contract of the queue and statistics endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { getStats, getStudyQueue } from "./study.handlers";
import { queueQuerySchema, statsQuerySchema } from "./study.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const studyRoutes = new Hono<AppEnv>().get("/queue", requireAuth(), validate("query", queueQuerySchema), async (c) => {
  return c.json(await getStudyQueue(deps(c), c.req.valid("query").limit), 200);
});

export const statsRoutes = new Hono<AppEnv>().get("/", requireAuth(), validate("query", statsQuerySchema), async (c) => {
  return c.json(await getStats(deps(c)), 200);
});
