/**
 * HTTP contract of the study-session endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { idParamSchema } from "../flashcards/flashcards.schemas";
import { finishSession, getSession, startSession } from "./study-sessions.handlers";
import { createSessionSchema } from "./study-sessions.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const studySessionRoutes = new Hono<AppEnv>()
  .post("/", requireAuth(), jsonBody(createSessionSchema), async (c) => {
    return c.json(await startSession(deps(c), c.req.valid("json")), 201);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getSession(deps(c), c.req.valid("param").id), 200);
  })
  .post("/:id/finish", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await finishSession(deps(c), c.req.valid("param").id), 200);
  });
