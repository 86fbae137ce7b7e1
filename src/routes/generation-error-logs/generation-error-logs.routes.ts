/**
 * HTTP contract of the generation error logs endpoints (read-only). Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import type { RouteDoc } from "../../openapi/route-doc";
import { errorLogListSchema, errorLogSchema } from "../generations/generations.schemas";
import { getErrorLog, listErrorLogs } from "./generation-error-logs.handlers";

export const generationErrorLogRoutes = new Hono<AppEnv>()
  .get("/", requireAuth(), validate("query", pageQuerySchema), async (c) => {
    return c.json(await listErrorLogs(authedDeps(c), c.req.valid("query")), 200);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getErrorLog(authedDeps(c), c.req.valid("param").id), 200);
  });

export const generationErrorLogDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/v1/generation-error-logs",
    operationId: "listGenerationErrorLogs",
    summary: "The caller's failed generation attempts, newest first",
    tag: "generations",
    query: pageQuerySchema,
    success: { status: 200, description: "A page of error logs.", schema: errorLogListSchema },
  },
  {
    method: "get",
    path: "/api/v1/generation-error-logs/:id",
    operationId: "getGenerationErrorLog",
    summary: "Read a generation error log",
    tag: "generations",
    params: idParamSchema,
    success: { status: 200, description: "The error log.", schema: errorLogSchema },
    errors: [404],
  },
];
