/**
 * Per-client throttling through the Workers Rate Limiting binding. It runs before the handler, so a
 * throttled login costs no password hashing. The binding counts per Cloudflare location and is
 * eventually consistent: right for throttling; hard quotas are counted in D1.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { clientNetwork } from "../lib/client-network";
import { rateLimited } from "../lib/errors";

/** The binding's window (wrangler.toml `simple.period`); clients are told to wait that long. */
const PERIOD_SECONDS = 60;

/** Limits requests per client network (IPv4 address, IPv6 /64) for one named action (e.g. "login"). */
export const rateLimit = (action: string): MiddlewareHandler<AppEnv> =>
  async function rateLimit(c, next) {
    // Cloudflare sets CF-Connecting-IP at the edge; locally every client shares one bucket. IPv6 is
    // keyed on its /64: rotating addresses inside one's own prefix must not buy fresh buckets.
    const client = clientNetwork(c.req.header("cf-connecting-ip"));
    const { success } = await c.env.AUTH_RATE_LIMITER.limit({ key: `${action}:${client}` });
    if (!success) throw rateLimited(PERIOD_SECONDS, `Too many ${action} attempts; retry in a minute.`);
    await next();
  };
