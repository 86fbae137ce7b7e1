/**
 * HTTP contract of the decks endpoints. Every route requires a bearer token.
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
import { createDeck, deleteDeck, getDeck, listDecks, updateDeck } from "./decks.handlers";
import { createDeckSchema, deckListSchema, deckSchema, deleteDeckQuerySchema, updateDeckSchema } from "./decks.schemas";

/** Create, list, read, update and delete decks, under `/api/v1/decks`. */
export const deckRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "createDeck",
        summary: "Create a deck (at the root or under another deck; at most 8 levels, 2,000 decks)",
        tag: "decks",
        example: { name: "Polish", parent_id: null, description: "Vocabulary and grammar" },
        success: { status: 201, description: "The new deck.", schema: deckSchema },
        errors: [404, 409],
      },
    ),
    requireAuth(),
    jsonBody(createDeckSchema),
    async (c) => {
      return c.json(await createDeck(authedDeps(c), c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listDecks",
        summary: "Every deck of the caller, flat, ordered by path, with card counts including subdecks",
        tag: "decks",
        success: { status: 200, description: "All decks.", schema: deckListSchema },
      },
    ),
    requireAuth(),
    async (c) => {
      return c.json(await listDecks(authedDeps(c)), 200);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getDeck",
        summary: "Read a deck with its counts (ETag; If-None-Match → 304)",
        description:
          "The ETag versions the deck itself (name, parent, description, path); its counts are live figures and do not move it.",
        tag: "decks",
        success: { status: 200, description: "The deck.", schema: deckSchema, headers: ETAG_HEADER_DOC },
        errors: [304, 404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("header", ifNoneMatchHeaderSchema),
    async (c) => {
      const { deck, version } = await getDeck(authedDeps(c), c.req.valid("param").id);
      if (notModified(c, c.req.valid("header")["if-none-match"], version)) return c.body(null, 304);
      return c.json(deck, 200);
    },
  )
  .patch(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "updateDeck",
        summary: "Rename, move (parent_id; null = root) or describe a deck",
        description:
          "Moving a deck under itself or one of its subdecks is refused with 409 `deck_cycle`, also when two moves race. With `If-Match` only if the deck is still at that version (else 412 `precondition_failed`).",
        tag: "decks",
        example: { parent_id: null },
        success: { status: 200, description: "The deck.", schema: deckSchema, headers: ETAG_HEADER_DOC },
        errors: [404, 409, 412],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("header", ifMatchHeaderSchema),
    jsonBody(updateDeckSchema),
    async (c) => {
      const ifMatch = parseEntityTags(c.req.valid("header")["if-match"], "If-Match");
      const { deck, version } = await updateDeck(authedDeps(c), c.req.valid("param").id, c.req.valid("json"), ifMatch);
      c.header("ETag", etag(version));
      return c.json(deck, 200);
    },
  )
  .delete(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "deleteDeck",
        summary: "Delete a deck and its subdecks (409 `deck_not_empty` while they hold cards, unless ?cascade=true)",
        description: "With `If-Match` only if the deck is still at that version (else 412 `precondition_failed`).",
        tag: "decks",
        success: { status: 204, description: "Deleted." },
        errors: [404, 409, 412],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    validate("query", deleteDeckQuerySchema),
    validate("header", ifMatchHeaderSchema),
    async (c) => {
      const ifMatch = parseEntityTags(c.req.valid("header")["if-match"], "If-Match");
      await deleteDeck(authedDeps(c), c.req.valid("param").id, c.req.valid("query").cascade === "true", ifMatch);
      return c.body(null, 204);
    },
  );
