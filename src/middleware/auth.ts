/**
 * Bearer authentication: a session's access token (HS256 JWT) or a personal access token (`fcpat_…`).
 * Verifying a JWT costs CPU only; a personal access token is resolved once per isolate (owner, scopes,
 * expiry never change) and its scope checked here, before any D1 work. Whether the session or token is
 * still alive is checked inside the handler's own D1 batch (src/db/session-gate.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { resolveAccessToken, touchAccessToken } from "../db/access-token-lookup";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { isWellFormedAccessToken, PAT_PREFIX } from "../lib/access-tokens";
import { clientNetwork } from "../lib/client-network";
import { insufficientScope, rateLimited, unauthorized } from "../lib/errors";
import { markAuth } from "../lib/route-docs";
import { type RouteScope, scopeOf } from "../lib/scopes";
import { sha256Hex, verifyAccessToken } from "../lib/tokens";
import { limitCaller } from "./caller-rate-limit";
import { isReadMethod } from "./d1-session";

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The auth limiter's window (wrangler.toml `simple.period`). */
const FAILURE_PERIOD_MS = 60_000;
/** Clients whose failed token attempts hit the limit, until when: refused without a D1 lookup. */
const blockedUntil = new Map<string, number>();

/**
 * Counts a failed personal access token attempt per client network and throws: 429 once the client is
 * over the limit (guessing tokens is throttled like guessing passwords), 401 otherwise.
 */
async function failedTokenAttempt(c: Context<AppEnv>, client: string, now: number): Promise<never> {
  const { success } = await c.env.AUTH_RATE_LIMITER.limit({ key: `pat-failure:${client}` });
  if (!success) {
    if (blockedUntil.size > 10_000) blockedUntil.clear();
    blockedUntil.set(client, now + FAILURE_PERIOD_MS);
    throw rateLimited(FAILURE_PERIOD_MS / 1000, "Too many failed token attempts; retry in a minute.");
  }
  throw unauthorized("The personal access token is invalid, revoked or expired.", "invalid_token");
}

/** Authenticates a personal access token for the matched route (scope checked), then runs the route. */
async function withAccessToken(c: Context<AppEnv>, next: () => Promise<void>, token: string) {
  const now = Date.now();
  const scope = scopeOf(c.req.method, c.req.routePath);
  if (scope === "session") throw insufficientScope("session");
  const client = clientNetwork(c.req.header("cf-connecting-ip"));
  const blocked = blockedUntil.get(client);
  if (blocked !== undefined && blocked > now) {
    throw rateLimited((blocked - now) / 1000, "Too many failed token attempts; retry in a minute.");
  }
  const db = createDb(c.get("d1"));
  const found = isWellFormedAccessToken(token) ? await resolveAccessToken(db, await sha256Hex(token)) : null;
  if (!found || (found.expiresAt !== null && found.expiresAt <= now)) return failedTokenAttempt(c, client, now);
  if (scope !== "any" && !found.scopes.includes(scope)) throw insufficientScope(scope);
  const auth = {
    kind: "token",
    userId: found.userId,
    tokenId: found.id,
    scopes: found.scopes,
    access: isReadMethod(c.req.method) ? "read" : "write",
  } as const;
  await limitCaller(c, auth);
  c.set("auth", auth);
  await next();
  if (c.res.status >= 400) return;
  // After the response: the request itself stays one (read-only, on reads) round trip.
  const touch = touchAccessToken(db, found, now);
  if (touch) {
    const write = touch.run().then(
      () => undefined,
      () => undefined, // best effort: the next hour retries
    );
    try {
      c.executionCtx.waitUntil(write);
    } catch {
      await write; // no execution context (app.request in a unit test)
    }
  }
}

/**
 * Requires a valid bearer credential and sets `auth`: `{ kind: "session", userId, sessionId, access }`
 * for an access token, `{ kind: "token", userId, tokenId, scopes, access }` for a personal access token.
 * @throws ApiError 401 (with `WWW-Authenticate: Bearer`) for a missing, malformed, forged, expired or
 * revoked credential; 403 `insufficient_scope` for a token beyond its scopes or on a session-only route;
 * 429 after too many failed token attempts from one client, or beyond the per-caller rate limit
 * (src/middleware/caller-rate-limit.ts: per user for sessions, per token for tokens).
 */
export const requireAuth = (scope?: RouteScope): MiddlewareHandler<AppEnv> =>
  // Marked so the route declarations (src/lib/route-docs.ts) know the route needs a bearer credential, and
  // what a personal access token needs there (default: cards:read for GET, cards:write otherwise).
  markAuth(async function requireAuth(c, next) {
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("The Authorization header with a bearer access token is missing.");
    const token = BEARER.exec(header)?.[1];
    if (!token) throw unauthorized("The Authorization header must be 'Bearer <access token>'.");
    if (token.startsWith(PAT_PREFIX)) return withAccessToken(c, next, token);
    const claims = await verifyAccessToken(token, c.get("config").jwtSecret);
    if (!claims) throw unauthorized("The access token is invalid or expired.", "invalid_token");
    const auth = {
      kind: "session",
      userId: claims.sub,
      sessionId: claims.sid,
      access: isReadMethod(c.req.method) ? "read" : "write",
    } as const;
    await limitCaller(c, auth);
    c.set("auth", auth);
    await next();
  }, scope);
