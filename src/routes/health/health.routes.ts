/**
 * Liveness: answers without touching D1, so load balancers and the CI smoke test can poll it cheaply.
 */
import { Hono } from "hono";
import * as z from "zod";
import { version } from "../../../package.json";
import type { AppEnv } from "../../env";
import type { RouteDoc } from "../../openapi/route-doc";

export const healthSchema = z.object({ status: z.literal("ok"), version: z.string() });

export const healthRoutes = new Hono<AppEnv>().get("/", (c) => c.json({ status: "ok" as const, version }, 200));

export const healthDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/v1/health",
    operationId: "getHealth",
    summary: "Liveness and version",
    tag: "health",
    auth: false,
    success: { status: 200, description: "The API is up.", schema: healthSchema },
  },
];
