/**
 * Liveness: answers without touching D1, so load balancers and the CI smoke test can poll it cheaply.
 */
import { Hono } from "hono";
import * as z from "zod";
import { version } from "../../../package.json";
import type { AppEnv } from "../../env";
import { describeRoute } from "../../lib/route-docs";

/** The body of `GET /health`. */
export const healthSchema = z.object({ status: z.literal("ok"), version: z.string() });

/** Liveness, under `/api/v1/health` (no D1 access). */
export const healthRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "getHealth",
      summary: "Liveness and version",
      tag: "health",
      success: { status: 200, description: "The API is up.", schema: healthSchema },
    },
  ),
  (c) => c.json({ status: "ok" as const, version }, 200),
);
