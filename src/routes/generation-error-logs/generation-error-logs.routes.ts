/**
 * HTTP contract of the generation error logs endpoints (read-only). Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { errorLogListSchema, errorLogSchema } from "../generations/generations.schemas";
import { getErrorLog, listErrorLogs } from "./generation-error-logs.handlers";

/** The caller's failed generation attempts, under `/api/v1/generation-error-logs`. */
export const generationErrorLogRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listGenerationErrorLogs",
        summary: "The caller's failed generation attempts, newest first",
        tag: "generations",
        success: { status: 200, description: "A page of error logs.", schema: errorLogListSchema },
      },
    ),
    requireAuth(),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listErrorLogs(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getGenerationErrorLog",
        summary: "Read a generation error log",
        tag: "generations",
        success: { status: 200, description: "The error log.", schema: errorLogSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await getErrorLog(authedDeps(c), c.req.valid("param").id), 200);
    },
  );
