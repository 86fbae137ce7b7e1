/**
 * HTTP contract of the review endpoints, under /flashcards/:id. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { ETAG_HEADER_DOC, etag } from "../../lib/etag";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { listReviews, previewSchedule, reviewFlashcard, undoLatestReview } from "./reviews.handlers";
import {
  createReviewSchema,
  reviewListSchema,
  reviewResultSchema,
  schedulePreviewSchema,
  undoResultSchema,
} from "./reviews.schemas";

/** Review a card, undo, history and schedule preview, under `/api/v1/flashcards/:id`. */
export const reviewRoutes = new Hono<AppEnv>()
  .post(
    "/:id/reviews",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "reviewFlashcard",
        summary: "Rate a card (FSRS) and record the review",
        tag: "study",
        description:
          "`reviewed_at` (default now) is the time FSRS sees; an `id` makes the call idempotent. A review older than the card's latest one is placed in its history and the later reviews are replayed.",
        example: { rating: "good", duration_ms: 5200 },
        success: {
          status: 200,
          description: "The card's new state and the review log.",
          schema: reviewResultSchema,
          headers: ETAG_HEADER_DOC,
        },
        errors: [404, 409, 422],
      },
    ),
    requireAuth("study"),
    validate("param", idParamSchema),
    jsonBody(createReviewSchema),
    async (c) => {
      const { version, ...result } = await reviewFlashcard(authedDeps(c), c.req.valid("param").id, c.req.valid("json"));
      c.header("ETag", etag(version));
      return c.json(result, 200);
    },
  )
  .delete(
    "/:id/reviews/latest",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "undoLatestReview",
        summary: "Undo the card's latest review exactly",
        description:
          "The card's study state returns byte for byte to what it was before that review, and the review log row is deleted. Call again to walk back one more review.",
        tag: "study",
        success: {
          status: 200,
          description: "The card as it was before the review, and the review taken back.",
          schema: undoResultSchema,
          headers: ETAG_HEADER_DOC,
        },
        errors: [404, 409],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      const { version, ...result } = await undoLatestReview(authedDeps(c), c.req.valid("param").id);
      c.header("ETag", etag(version));
      return c.json(result, 200);
    },
  )
  .get(
    "/:id/reviews",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listReviews",
        summary: "A card's review history, newest first",
        tag: "study",
        success: { status: 200, description: "A page of reviews.", schema: reviewListSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listReviews(authedDeps(c), c.req.valid("param").id, c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id/schedule-preview",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "previewSchedule",
        summary: "The due date each rating would give the card now",
        tag: "study",
        success: { status: 200, description: "One entry per rating.", schema: schedulePreviewSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await previewSchedule(authedDeps(c), c.req.valid("param").id), 200);
    },
  );
