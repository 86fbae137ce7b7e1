/**
 * Bearer authentication. Verifying the JWT costs CPU only; whether its session is still alive is
 * checked by the session gate inside the handler's own D1 batch (src/db/session-gate.ts).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { unauthorized } from "../lib/errors";
import { verifyAccessToken } from "../lib/tokens";
import { limitCaller } from "./caller-rate-limit";
import { isReadMethod } from "./d1-session";

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * Requires a valid access token and sets `auth` ({ userId, sessionId, access }).
 * Then counts the request against the caller's rate limit (src/middleware/caller-rate-limit.ts).
 * @throws ApiError 401 (with `WWW-Authenticate: Bearer`) for a missing, malformed, forged or expired token;
 * 429 `rate_limited` beyond the per-caller limit.
 */
export const requireAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("The Authorization header with a bearer access token is missing.");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("The Authorization header must be 'Bearer <access token>'.");
  const claims = await verifyAccessToken(token, c.get("config").jwtSecret);
  if (!claims) throw unauthorized("The access token is invalid or expired.", "invalid_token");
  const auth = {
    userId: claims.sub,
    sessionId: claims.sid,
    access: isReadMethod(c.req.method) ? "read" : "write",
  } as const;
  await limitCaller(c, auth);
  c.set("auth", auth);
  await next();
};
