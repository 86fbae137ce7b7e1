/**
 * One structured JSON log line per request (Workers Logs / `wrangler tail` index the fields), for every
 * error (4xx/5xx) and for a success that took at least `REQUEST_LOG_MIN_MS` (0 in development and tests:
 * every request). A deployment sets it to 1 s: Workers Logs already records each invocation with its
 * outcome once `[observability]` is on, and a line per request costs CPU on every request.
 * Query strings are left out: they can carry search text.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** Logs one JSON line per request (id, method, path, status, duration) once the response is ready. */
export const requestLog = (): MiddlewareHandler<AppEnv> =>
  async function requestLog(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const durationMs = Math.round(performance.now() - started);
    if (status < 400 && durationMs < (c.get("config")?.requestLogMinMs ?? 0)) return;
    const line = {
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: durationMs,
    };
    console.log(JSON.stringify(line));
  };
