/**
 * The request's id (`c.get("requestId")`): a client's own `X-Request-Id` when it is sane (at most 255
 * word characters, `-` or `=`, as hono's `requestId()` accepts), else a new UUID. It goes into every log
 * line and problem document, and back to the client in `X-Request-Id` (src/middleware/response-headers.ts
 * writes it on the final response, so this middleware does not touch the response).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { readConfig } from "../env";

const SANE_REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * Sets `requestId` and the parsed `config` (`readConfig`, cached per isolate) for everything after it.
 * @throws Error from `readConfig` for an invalid deployment configuration (answered as 500).
 */
export const requestContext = (): MiddlewareHandler<AppEnv> =>
  function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    c.set("requestId", incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID());
    c.set("config", readConfig(c.env));
    return next();
  };
