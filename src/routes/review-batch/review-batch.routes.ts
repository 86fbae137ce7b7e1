/**
 * HTTP contract of POST /reviews/batch. Requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { uploadReviews } from "./review-batch.handlers";
import { reviewBatchResultSchema, reviewBatchSchema } from "./review-batch.schemas";

/** Upload reviews made offline, under `/api/v1/reviews`. */
export const reviewBatchRoutes = new Hono<AppEnv>().post(
  "/batch",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "uploadReviews",
      summary: "Upload 1–500 reviews made offline",
      description:
        "Each review is applied at its `reviewed_at` with FSRS, in time order per card; a review older than the card's latest is placed in its history and the later ones are replayed. The client-made `id` makes the upload idempotent: resending it answers `duplicate`. Per-item problems reject that item only; a malformed request is a 400 with nothing applied. At most three database round trips whatever the size.",
      tag: "study",
      example: {
        reviews: [
          {
            id: "0b6c2f1e-4a57-4c1e-9d0a-1f2e3d4c5b6a",
            flashcard_id: "5f0c7a52-8a7e-4f7e-9a43-2b1d6a9c3e10",
            rating: "good",
            reviewed_at: "2026-11-29T07:42:10Z",
            duration_ms: 4100,
          },
        ],
      },
      success: {
        status: 200,
        description: "One result per review, in the order sent.",
        schema: reviewBatchResultSchema,
      },
    },
  ),
  requireAuth(),
  jsonBody(reviewBatchSchema),
  async (c) => {
    return c.json(await uploadReviews(authedDeps(c), c.req.valid("json")), 200);
  },
);
