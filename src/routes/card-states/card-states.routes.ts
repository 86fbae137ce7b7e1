/**
 * HTTP contract of the card-state endpoints, under /flashcards/:id. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema } from "../../lib/params";
import { describeRoute, type RouteDescription } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { flashcardSchema } from "../flashcards/flashcards.schemas";
import { buryCard, forgetCard, rescheduleCard, setSuspended } from "./card-states.handlers";
import { forgetSchema, rescheduleSchema } from "./card-states.schemas";

/** The description every card-state route shares: study scope, answers the card. */
const cardState = (operationId: string, summary: string, extra: Partial<RouteDescription> = {}) =>
  describeRoute(
    ROUTE_DOCS && {
      operationId,
      summary,
      tag: "study",
      success: { status: 200, description: "The card in its new state.", schema: flashcardSchema },
      errors: [404],
      ...extra,
    },
  );

/** Suspend, unsuspend, bury, forget and reschedule a card, under `/api/v1/flashcards/:id`. */
export const cardStateRoutes = new Hono<AppEnv>()
  .post(
    "/:id/suspend",
    cardState("suspendFlashcard", "Suspend a card: never offered by the queue or new sessions"),
    requireAuth("study"),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await setSuspended(authedDeps(c), c.req.valid("param").id, true), 200);
    },
  )
  .post(
    "/:id/unsuspend",
    cardState("unsuspendFlashcard", "Unsuspend a card"),
    requireAuth("study"),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await setSuspended(authedDeps(c), c.req.valid("param").id, false), 200);
    },
  )
  .post(
    "/:id/bury",
    cardState("buryFlashcard", "Bury a card until the learner's next day starts"),
    requireAuth("study"),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await buryCard(authedDeps(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/forget",
    cardState("forgetFlashcard", "Send a card back to new (ts-fsrs forget); history kept, a manual entry logged", {
      example: { reset_counts: false },
      errors: [404, 409],
    }),
    requireAuth("study"),
    validate("param", idParamSchema),
    jsonBody(forgetSchema),
    async (c) => {
      return c.json(await forgetCard(authedDeps(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .post(
    "/:id/reschedule",
    cardState("rescheduleFlashcard", "Make a card due at the learner's day start on a date (manual entry)", {
      example: { due: "2026-12-24" },
      errors: [404, 409],
    }),
    requireAuth("study"),
    validate("param", idParamSchema),
    jsonBody(rescheduleSchema),
    async (c) => {
      return c.json(await rescheduleCard(authedDeps(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  );
