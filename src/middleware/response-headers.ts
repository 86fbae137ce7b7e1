/**
 * The headers every response carries, written in one place once the response is ready, and the CORS
 * preflight answer:
 * - `X-Request-Id` (the request's id, `requestId()`);
 * - the security headers hono's `secureHeaders()` sends by default (the same names and values);
 * - `Cache-Control: no-store` unless the route chose a policy (e.g. the public OpenAPI document), and
 *   `Vary: Authorization` when the request carried credentials: tokens and a user's data must never be
 *   stored by a browser, proxy or CDN (RFC 6749 §5.1, RFC 9111), and a cache that ignores `no-store`
 *   still cannot hand one caller's answer to another;
 * - CORS: `Access-Control-Allow-Origin` for an allowed origin (exact match, `CORS_ORIGINS`), the exposed
 *   headers and `Vary: Origin`; an OPTIONS request is answered as a preflight (204) without running a route.
 *
 * Why not hono's `requestId()`, `secureHeaders()` and `cors()` (issue #19, measured with
 * bench/profile.mjs): hono's `cors()` reads `c.res` before the route runs and sets `Vary` with `c.header()`
 * after it, and either makes hono copy the whole response (a new `Response` and every header) — twice on
 * every request. Here the headers are set in place on the final response, from lists built once.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** hono's `secureHeaders()` defaults (hono 4.13), sent on every response. */
const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/** What browsers may do cross-origin (the origins themselves come from config, per environment). */
export type CorsPolicy = {
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  /** The non-safelisted response headers a browser client may read. */
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
};

/** True when `list` (a `Vary` value) already names `name`. */
const varies = (list: string, name: string) => list.split(",").some((item) => item.trim().toLowerCase() === name);

/**
 * Sets the response headers above on every response, and answers CORS preflights (any OPTIONS request)
 * with 204. Mount it outside everything that can produce a response (405, body limit, D1 session,
 * routes), so every answer, error documents included, gets the same headers.
 */
export const responseHeaders = (cors: CorsPolicy): MiddlewareHandler<AppEnv> => {
  const expose = cors.exposeHeaders.join(",");
  const preflight: ReadonlyArray<readonly [string, string]> = [
    ["Access-Control-Max-Age", String(cors.maxAgeSeconds)],
    ["Access-Control-Allow-Methods", cors.allowMethods.join(",")],
    ["Access-Control-Allow-Headers", cors.allowHeaders.join(",")],
  ];
  return async function responseHeaders(c, next) {
    const preflightRequest = c.req.method === "OPTIONS";
    let headers: Headers;
    if (preflightRequest) {
      headers = new Headers(preflight as Array<[string, string]>);
      headers.set("Vary", "Origin, Access-Control-Request-Headers");
    } else {
      await next();
      headers = c.res.headers;
      const vary = headers.get("Vary");
      headers.set("Vary", vary ? (varies(vary, "origin") ? vary : `${vary}, Origin`) : "Origin");
    }
    headers.set("X-Request-Id", c.get("requestId"));
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
    const origin = c.req.header("origin");
    if (origin !== undefined && c.get("config").corsOrigins.includes(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
    }
    headers.set("Access-Control-Expose-Headers", expose);
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    if (c.req.header("authorization") !== undefined) {
      const vary = headers.get("Vary") as string;
      if (!varies(vary, "authorization")) headers.set("Vary", `${vary}, Authorization`);
    }
    // The preflight's headers are complete only now (a Response copies the Headers it is given).
    if (preflightRequest) return new Response(null, { status: 204, statusText: "No Content", headers });
  };
};
