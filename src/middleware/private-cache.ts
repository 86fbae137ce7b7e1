/**
 * Keeps private responses out of every cache. Tokens (register, login, refresh) and a user's data
 * must never be stored by a browser, proxy or CDN (RFC 6749 §5.1, RFC 9111): every response that did
 * not choose its own caching policy gets `Cache-Control: no-store`. A response to a request that
 * carried credentials also gets `Vary: Authorization`, so a cache that ignores `no-store` still
 * cannot hand one caller's answer to another.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** Sets `Cache-Control: no-store` unless the route set a policy (e.g. the public OpenAPI document). */
export const privateCache = (): MiddlewareHandler<AppEnv> =>
  async function privateCache(c, next) {
    await next();
    const headers = c.res.headers;
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    if (c.req.header("authorization") !== undefined) {
      const vary = headers.get("Vary");
      if (!vary?.split(",").some((name) => name.trim().toLowerCase() === "authorization")) {
        headers.set("Vary", vary ? `${vary}, Authorization` : "Authorization");
      }
    }
  };
