/**
 * HTTP contract of the queue and statistics endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import type { RouteDoc } from "../../openapi/route-doc";
import { getStats, getStudyQueue } from "./study.handlers";
import { queueQuerySchema, queueSchema, statsQuerySchema, statsSchema } from "./study.schemas";

export const studyRoutes = new Hono<AppEnv>().get(
  "/queue",
  requireAuth(),
  validate("query", queueQuerySchema),
  async (c) => {
    return c.json(await getStudyQueue(authedDeps(c), c.req.valid("query").limit), 200);
  },
);

export const statsRoutes = new Hono<AppEnv>().get(
  "/",
  requireAuth(),
  validate("query", statsQuerySchema),
  async (c) => {
    return c.json(await getStats(authedDeps(c)), 200);
  },
);

export const studyDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/v1/study/queue",
    operationId: "getStudyQueue",
    summary: "Cards to study now: due cards (most overdue first), then new cards up to the daily limit",
    tag: "study",
    query: queueQuerySchema,
    success: { status: 200, description: "The queue and its counts.", schema: queueSchema },
  },
  {
    method: "get",
    path: "/api/v1/stats",
    operationId: "getStats",
    summary: "Learning statistics",
    tag: "study",
    query: statsQuerySchema,
    success: { status: 200, description: "Counts, retention and streak (UTC days).", schema: statsSchema },
  },
];
