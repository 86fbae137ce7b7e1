/**
 * Rejects bodies over the configured size with the 413 problem document. hono's bodyLimit counts
 * streamed (chunked) bodies too, so a missing or lying Content-Length does not get around it.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { payloadTooLarge } from "../lib/errors";

export const limitBody = (): MiddlewareHandler<AppEnv> => {
  // The limit comes from config (per environment): build hono's middleware once per size, not per request.
  const bySize = new Map<number, MiddlewareHandler>();
  return (c, next) => {
    const maxSize = c.get("config").maxBodyBytes;
    let limiter = bySize.get(maxSize);
    if (!limiter) {
      limiter = bodyLimit({
        maxSize,
        onError: () => {
          throw payloadTooLarge(maxSize);
        },
      });
      bySize.set(maxSize, limiter);
    }
    return limiter(c, next);
  };
};
