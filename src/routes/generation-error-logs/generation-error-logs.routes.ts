/**
 * HTTP contract of the generation error logs endpoints (read-only). Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { idParamSchema } from "../flashcards/flashcards.schemas";
import { newestFirstQuerySchema } from "../generations/generations.schemas";
import { getErrorLog, listErrorLogs } from "./generation-error-logs.handlers";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const generationErrorLogRoutes = new Hono<AppEnv>()
  .get("/", requireAuth(), validate("query", newestFirstQuerySchema), async (c) => {
    return c.json(await listErrorLogs(deps(c), c.req.valid("query")), 200);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getErrorLog(deps(c), c.req.valid("param").id), 200);
  });
