/**
 * Resolving a personal access token (by the SHA-256 of its secret) to its owner and scopes. What this
 * returns never changes for a token (owner, scopes, expiry are fixed at creation), so the worker keeps
 * it per isolate; whether the token still exists is checked in every request's own batch
 * (src/db/session-gate.ts), so a deleted token stops working at once even when cached here.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { TokenScope } from "../lib/scopes";
import type { Db } from "./client";
import { personalAccessTokens } from "./schema";

/** A personal access token as `requireAuth()` needs it (never its hash or secret). */
export type ResolvedToken = {
  id: string;
  userId: string;
  scopes: TokenScope[];
  expiresAt: number | null;
  lastUsedAt: number | null;
};

/** How often `last_used_at` may be written: a token used all day costs 24 small writes, not one per read. */
export const LAST_USED_GRANULARITY_MS = 3_600_000;

const CACHE_LIMIT = 1_000;
const cache = new Map<string, ResolvedToken>();

/** The token with this hash, from the isolate's cache or from D1 (one read); null when unknown. */
export async function resolveAccessToken(db: Db, tokenHash: string): Promise<ResolvedToken | null> {
  const cached = cache.get(tokenHash);
  if (cached) return cached;
  const t = personalAccessTokens;
  const [row] = await db
    .select({ id: t.id, userId: t.userId, scopes: t.scopes, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt })
    .from(t)
    .where(eq(t.tokenHash, tokenHash))
    .limit(1);
  if (!row) return null;
  // Oldest first out: a Map iterates in insertion order.
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(tokenHash, row);
  return row;
}

/**
 * Writes `last_used_at` when the isolate's copy is over an hour old, conditionally (another isolate may
 * have just done it). Returns null when no write is due.
 */
export function touchAccessToken(db: Db, token: ResolvedToken, now: number) {
  if (token.lastUsedAt !== null && now - token.lastUsedAt < LAST_USED_GRANULARITY_MS) return null;
  token.lastUsedAt = now;
  const t = personalAccessTokens;
  return db
    .update(t)
    .set({ lastUsedAt: now })
    .where(and(eq(t.id, token.id), or(isNull(t.lastUsedAt), lt(t.lastUsedAt, now - LAST_USED_GRANULARITY_MS))));
}
