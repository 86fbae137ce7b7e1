/**
 * Per-caller rate limit on every authenticated endpoint (issue #12 item 6), through the
 * `USER_RATE_LIMITER` Rate Limiting binding (600 requests a minute: generous for a person, a wall for
 * a script). It runs inside `requireAuth()`, after the token is verified and before any D1 work, so a
 * flood costs no database round trip. Like every Rate Limiting binding it counts per Cloudflare
 * location and is eventually consistent: a throttle, not a quota (quotas live in D1).
 */
import type { Context } from "hono";
import type { AppEnv, AuthContext } from "../env";
import { rateLimited } from "../lib/errors";

/** The binding's window (wrangler.toml `simple.period`), sent as `Retry-After`. */
const PERIOD_SECONDS = 60;

/**
 * The bucket a caller is counted in: one per user for their sessions, one per personal access token
 * (a runaway script exhausts its own token's budget, not the person's).
 */
export const callerRateLimitKey = (auth: AuthContext) =>
  auth.kind === "token" ? `token:${auth.tokenId}` : `user:${auth.userId}`;

/**
 * Counts one request of the authenticated caller.
 * @throws ApiError 429 `rate_limited` with `Retry-After` beyond the limit.
 */
export async function limitCaller(c: Context<AppEnv>, auth: AuthContext): Promise<void> {
  const { success } = await c.env.USER_RATE_LIMITER.limit({ key: callerRateLimitKey(auth) });
  if (!success) throw rateLimited(PERIOD_SECONDS, "Too many requests from this account; retry in a minute.");
}
