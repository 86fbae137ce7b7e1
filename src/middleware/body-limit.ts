/**
 * Rejects bodies over the configured size with the 413 problem document. hono's bodyLimit counts
 * streamed (chunked) bodies too, so a missing or lying Content-Length does not get around it.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { payloadTooLarge } from "../lib/errors";

/**
 * The global body limit (config `MAX_BODY_BYTES`). Paths in `ownLimits` skip it: their route sets its
 * own limit with `limitBodyTo` (an import file may be bigger than any JSON request).
 */
export const limitBody = (ownLimits: readonly string[] = []): MiddlewareHandler<AppEnv> => {
  // The limit comes from config (per environment): build hono's middleware once per size, not per request.
  const bySize = new Map<number, MiddlewareHandler>();
  return function limitBody(c, next) {
    if (ownLimits.includes(c.req.path)) return next();
    const maxSize = c.get("config").maxBodyBytes;
    let limiter = bySize.get(maxSize);
    if (!limiter) {
      limiter = limitBodyTo(maxSize);
      bySize.set(maxSize, limiter);
    }
    return limiter(c, next);
  };
};

/** A route's own body limit, in bytes, answered with the same 413 problem document. */
export const limitBodyTo = (maxSize: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw payloadTooLarge(maxSize);
    },
  });
