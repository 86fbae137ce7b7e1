/**
 * HTTP contract of GET /reviews/export.csv (the FSRS optimizer's input). Requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { attachment } from "../../portability/text-formats";
import { exportReviewsCsv } from "./review-export.handlers";
import { reviewExportQuerySchema } from "./review-export.schemas";

/** The review log as CSV for the FSRS optimizer, under `/api/v1/reviews`. */
export const reviewExportRoutes = new Hono<AppEnv>().get(
  "/export.csv",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "exportReviewsCsv",
      summary: "The whole review log in the FSRS optimizer's CSV layout (streamed)",
      description:
        "Header `card_id,review_time,review_rating,review_state,review_duration`; one row per review, oldest first: `review_time` in ms since the epoch, `review_rating` 1–4 (manual forget/reschedule entries are left out), `review_state` the card's state before the review (0 new, 1 learning, 2 review, 3 relearning), `review_duration` in ms (0 when unknown). Feed it to the open-spaced-repetition optimizer and store the result with `PATCH /settings` (`fsrs_parameters`). Streamed in pages of 5,000 reviews: a failure after the first byte aborts the download (a truncated file).",
      tag: "study",
      success: {
        status: 200,
        description: "The CSV file.",
        headers: {
          "Content-Disposition": {
            description: '`attachment; filename="reviews.csv"`: browsers save the body as a file.',
            schema: { type: "string" },
          },
        },
        content: {
          "text/csv": {
            schema: { type: "string" },
            example:
              "card_id,review_time,review_rating,review_state,review_duration\r\n5f0c7a52-8a7e-4f7e-9a43-2b1d6a9c3e10,1764402130000,3,0,4100\r\n",
          },
        },
      },
    },
  ),
  requireAuth(),
  validate("query", reviewExportQuerySchema),
  async (c) => {
    const stream = await exportReviewsCsv(authedDeps(c));
    return c.body(stream, 200, {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": attachment("reviews.csv"),
      "Cache-Control": "no-store",
    });
  },
);
