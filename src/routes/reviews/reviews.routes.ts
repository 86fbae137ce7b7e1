/**
 * HTTP contract of the review endpoints, under /flashcards/:id. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import type { RouteDoc } from "../../openapi/route-doc";
import { listReviews, previewSchedule, reviewFlashcard } from "./reviews.handlers";
import { createReviewSchema, reviewListSchema, reviewResultSchema, schedulePreviewSchema } from "./reviews.schemas";

export const reviewRoutes = new Hono<AppEnv>()
  .post("/:id/reviews", requireAuth(), validate("param", idParamSchema), jsonBody(createReviewSchema), async (c) => {
    return c.json(await reviewFlashcard(authedDeps(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .get(
    "/:id/reviews",
    requireAuth(),
    validate("param", idParamSchema),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listReviews(authedDeps(c), c.req.valid("param").id, c.req.valid("query")), 200);
    },
  )
  .get("/:id/schedule-preview", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await previewSchedule(authedDeps(c), c.req.valid("param").id), 200);
  });

export const reviewDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/flashcards/:id/reviews",
    operationId: "reviewFlashcard",
    scope: "study",
    summary: "Rate a card (FSRS) and record the review",
    tag: "study",
    params: idParamSchema,
    body: createReviewSchema,
    example: { rating: "good", duration_ms: 5200 },
    success: { status: 200, description: "The card's new state and the review log.", schema: reviewResultSchema },
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/api/v1/flashcards/:id/reviews",
    operationId: "listReviews",
    summary: "A card's review history, newest first",
    tag: "study",
    params: idParamSchema,
    query: pageQuerySchema,
    success: { status: 200, description: "A page of reviews.", schema: reviewListSchema },
    errors: [404],
  },
  {
    method: "get",
    path: "/api/v1/flashcards/:id/schedule-preview",
    operationId: "previewSchedule",
    summary: "The due date each rating would give the card now",
    tag: "study",
    params: idParamSchema,
    success: { status: 200, description: "One entry per rating.", schema: schedulePreviewSchema },
    errors: [404],
  },
];
