/**
 * HTTP contract of the queue and statistics endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { getStats, getStudyQueue } from "./study.handlers";
import { queueQuerySchema, queueSchema, statsQuerySchema, statsSchema } from "./study.schemas";

/** The study queue, under `/api/v1/study`. */
export const studyRoutes = new Hono<AppEnv>().get(
  "/queue",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "getStudyQueue",
      summary: "Cards to study now: due cards (most overdue first), then new cards up to the daily limit",
      description:
        "`deck_id` (with its subdecks) and repeatable `tag` (all must match) narrow the queue; the daily new-card and review limits stay the learner's, shared by every deck. An unknown or another user's deck or tag answers 404.",
      tag: "study",
      success: { status: 200, description: "The queue and its counts.", schema: queueSchema },
    },
  ),
  requireAuth(),
  validate("query", queueQuerySchema),
  async (c) => {
    return c.json(await getStudyQueue(authedDeps(c), c.req.valid("query")), 200);
  },
);

/** The learner's statistics, under `/api/v1/stats`. */
export const statsRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "getStats",
      summary: "Learning statistics",
      description:
        "`deck_id` (with its subdecks) and repeatable `tag` (all must match) narrow every figure to those cards and their reviews. An unknown or another user's deck or tag answers 404.",
      tag: "study",
      success: { status: 200, description: "Counts, retention and streak (UTC days).", schema: statsSchema },
    },
  ),
  requireAuth(),
  validate("query", statsQuerySchema),
  async (c) => {
    return c.json(await getStats(authedDeps(c), c.req.valid("query")), 200);
  },
);
