/**
 * Rejects bodies over the configured size with the 413 problem document. hono's bodyLimit counts
 * streamed (chunked) bodies too, so a missing or lying Content-Length does not get around it.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { payloadTooLarge } from "../lib/errors";

export const limitBody = (): MiddlewareHandler<AppEnv> => (c, next) => {
  const maxSize = c.get("config").maxBodyBytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw payloadTooLarge(maxSize);
    },
  })(c, next);
};
