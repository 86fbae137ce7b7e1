/**
 * One structured JSON log line per request (Workers Logs / `wrangler tail` index the fields).
 * Query strings are left out: they can carry search text.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

export const requestLog = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  const line = {
    level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
    msg: "request",
    request_id: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status,
    duration_ms: Date.now() - started,
  };
  console.log(JSON.stringify(line));
};
