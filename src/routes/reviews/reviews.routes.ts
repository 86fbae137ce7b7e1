/**
 * HTTP contract of the review endpoints, under /flashcards/:id. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { idParamSchema } from "../flashcards/flashcards.schemas";
import { listReviews, previewSchedule, reviewFlashcard } from "./reviews.handlers";
import { createReviewSchema, listReviewsQuerySchema } from "./reviews.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const reviewRoutes = new Hono<AppEnv>()
  .post("/:id/reviews", requireAuth(), validate("param", idParamSchema), jsonBody(createReviewSchema), async (c) => {
    return c.json(await reviewFlashcard(deps(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .get("/:id/reviews", requireAuth(), validate("param", idParamSchema), validate("query", listReviewsQuerySchema), async (c) => {
    return c.json(await listReviews(deps(c), c.req.valid("param").id, c.req.valid("query")), 200);
  })
  .get("/:id/schedule-preview", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await previewSchedule(deps(c), c.req.valid("param").id), 200);
  });
