/**
 * Liveness: answers without touching D1, so load balancers and the CI smoke test can poll it cheaply.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { version } from "../../../package.json";

export const healthRoutes = new Hono<AppEnv>().get("/", (c) => c.json({ status: "ok" as const, version }, 200));
