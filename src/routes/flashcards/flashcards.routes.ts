/**
 * HTTP contract of the flashcards endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { createFlashcards, deleteFlashcard, getFlashcard, listFlashcards, updateFlashcard } from "./flashcards.handlers";
import { createFlashcardsSchema, idParamSchema, listFlashcardsQuerySchema, updateFlashcardSchema } from "./flashcards.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const flashcardRoutes = new Hono<AppEnv>()
  .post("/", requireAuth(), jsonBody(createFlashcardsSchema), async (c) => {
    return c.json({ data: await createFlashcards(deps(c), c.req.valid("json")) }, 201);
  })
  .get("/", requireAuth(), validate("query", listFlashcardsQuerySchema), async (c) => {
    return c.json(await listFlashcards(deps(c), c.req.valid("query")), 200);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getFlashcard(deps(c), c.req.valid("param").id), 200);
  })
  .patch("/:id", requireAuth(), validate("param", idParamSchema), jsonBody(updateFlashcardSchema), async (c) => {
    return c.json(await updateFlashcard(deps(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .delete("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    await deleteFlashcard(deps(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
