/**
 * HTTP contract of the flashcards endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import {
  ETAG_HEADER_DOC,
  etag,
  ifMatchHeaderSchema,
  ifNoneMatchHeaderSchema,
  notModified,
  parseEntityTags,
} from "../../lib/etag";
import { idParamSchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import {
  createFlashcards,
  deleteFlashcard,
  getFlashcard,
  listFlashcards,
  updateFlashcard,
} from "./flashcards.handlers";
import {
  bulkFlashcardsSchema,
  bulkResultSchema,
  createdFlashcardsSchema,
  createFlashcardsSchema,
  flashcardListSchema,
  flashcardSchema,
  listFlashcardsQuerySchema,
  updateFlashcardSchema,
} from "./flashcards.schemas";
import { bulkUpdateFlashcards } from "./flashcards-bulk.handlers";

/** Create, list, read, update and delete flashcards, under `/api/v1/flashcards`. */
export const flashcardRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "createFlashcards",
        summary: "Create 1–100 flashcards (all or nothing)",
        description:
          "Accept AI proposals (`ai-full`, `ai-edited`, with their `generation_id` and `proposal_index`) or write cards by hand (`manual`). An `ai-full` card must repeat its proposal exactly; each proposal can be accepted once (422 `not_a_proposal`, 409 `proposal_already_accepted`), so the generation's acceptance counters are true.",
        tag: "flashcards",
        example: {
          flashcards: [
            { front: "What does FSRS stand for?", back: "Free Spaced Repetition Scheduler", source: "manual" },
          ],
        },
        success: { status: 201, description: "The cards, in the order sent.", schema: createdFlashcardsSchema },
        errors: [404, 409, 422],
      },
    ),
    requireAuth(),
    jsonBody(createFlashcardsSchema),
    async (c) => {
      return c.json({ data: await createFlashcards(authedDeps(c), c.req.valid("json")) }, 201);
    },
  )
  .post(
    "/bulk",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "bulkUpdateFlashcards",
        summary: "Move, tag, untag or delete up to 500 cards at once (all or nothing)",
        description:
          "`move` takes `deck_id` (null: out of any deck); `add_tags` and `remove_tags` take `tags`; `delete` takes nothing. Every id must be the caller's card (404 names the first that is not; nothing changes). An `add_tags` that would give any card more than 20 tags fails whole with 400 `too_many_tags`. One round trip.",
        tag: "flashcards",
        example: { ids: ["0b7e4f4e-3a8e-4c53-9a53-6f0d9c1c2a11"], action: "move", deck_id: null },
        success: {
          status: 200,
          description: "How many cards changed (for `delete`, how many were deleted).",
          schema: bulkResultSchema,
        },
        errors: [404],
      },
    ),
    requireAuth(),
    jsonBody(bulkFlashcardsSchema),
    async (c) => {
      return c.json(await bulkUpdateFlashcards(authedDeps(c), c.req.valid("json")), 200);
    },
  )
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listFlashcards",
        summary: "List, filter, search and page the caller's flashcards",
        tag: "flashcards",
        success: { status: 200, description: "A page of cards.", schema: flashcardListSchema },
      },
    ),
    requireAuth(),
    validate("query", listFlashcardsQuerySchema),
    async (c) => {
      return c.json(await listFlashcards(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getFlashcard",
        summary: "Read a flashcard (ETag; If-None-Match → 304)",
        tag: "flashcards",
        success: { status: 200, description: "The card.", schema: flashcardSchema, headers: ETAG_HEADER_DOC },
        errors: [304, 404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("header", ifNoneMatchHeaderSchema),
    async (c) => {
      const { flashcard, version } = await getFlashcard(authedDeps(c), c.req.valid("param").id);
      if (notModified(c, c.req.valid("header")["if-none-match"], version)) return c.body(null, 304);
      return c.json(flashcard, 200);
    },
  )
  .patch(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "updateFlashcard",
        summary: "Edit a flashcard's front and/or back, move it to a deck, replace its tags",
        description:
          'With `If-Match: "<version>"` (the ETag read earlier) the edit applies only if nobody changed the card since: else 412 `precondition_failed` and nothing is written. Without it the edit applies unconditionally.',
        tag: "flashcards",
        example: { back: "Free Spaced Repetition Scheduler (2022)" },
        success: { status: 200, description: "The edited card.", schema: flashcardSchema, headers: ETAG_HEADER_DOC },
        errors: [404, 412],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("header", ifMatchHeaderSchema),
    jsonBody(updateFlashcardSchema),
    async (c) => {
      const ifMatch = parseEntityTags(c.req.valid("header")["if-match"], "If-Match");
      const { flashcard, version } = await updateFlashcard(
        authedDeps(c),
        c.req.valid("param").id,
        c.req.valid("json"),
        ifMatch,
      );
      c.header("ETag", etag(version));
      return c.json(flashcard, 200);
    },
  )
  .delete(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "deleteFlashcard",
        summary: "Delete a flashcard and its review history",
        description: "With `If-Match` only if the card is still at that version (else 412 `precondition_failed`).",
        tag: "flashcards",
        success: { status: 204, description: "Deleted." },
        errors: [404, 412],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("header", ifMatchHeaderSchema),
    async (c) => {
      const ifMatch = parseEntityTags(c.req.valid("header")["if-match"], "If-Match");
      await deleteFlashcard(authedDeps(c), c.req.valid("param").id, ifMatch);
      return c.body(null, 204);
    },
  );
