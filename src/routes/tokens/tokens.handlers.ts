/**
 * Personal access tokens: create (the secret is returned once), list, delete. Only a
 * password-authenticated session reaches these (the routes' scope is `session`).
 */
import { and, count, desc, eq, sql } from "drizzle-orm";
import { personalAccessTokens } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { newPersonalAccessToken } from "../../lib/access-tokens";
import type { AuthedDeps } from "../../lib/deps";
import { conflict, notFound } from "../../lib/errors";
import { toIso } from "../../lib/time";
import { sha256Hex } from "../../lib/tokens";
import { type CreatedToken, type CreateTokenInput, TOKENS_PER_USER_MAX, type TokenView } from "./tokens.schemas";

const DAY_MS = 86_400_000;
const t = personalAccessTokens;

const toView = (row: typeof t.$inferSelect): TokenView => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  prefix: row.prefix,
  created_at: toIso(row.createdAt),
  last_used_at: row.lastUsedAt === null ? null : toIso(row.lastUsedAt),
  expires_at: row.expiresAt === null ? null : toIso(row.expiresAt),
});

/**
 * Creates a token in one round trip: a conditional insert that refuses the user's 101st token.
 * @throws ApiError 409 `token_limit_reached` when the user already holds the maximum.
 */
export async function createToken(deps: AuthedDeps, input: CreateTokenInput): Promise<CreatedToken> {
  const { token, prefix } = newPersonalAccessToken();
  const id = crypto.randomUUID();
  const expiresAt = input.expires_in_days ? deps.now + input.expires_in_days * DAY_MS : null;
  const [inserted] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.insert(t).select(
      deps.db
        .select({
          id: sql<string>`${id}`.as("id"),
          userId: sql<string>`${deps.auth.userId}`.as("user_id"),
          name: sql<string>`${input.name}`.as("name"),
          tokenHash: sql<string>`${await sha256Hex(token)}`.as("token_hash"),
          prefix: sql<string>`${prefix}`.as("prefix"),
          scopes: sql<string>`${JSON.stringify(input.scopes)}`.as("scopes"),
          createdAt: sql<number>`${deps.now}`.as("created_at"),
          lastUsedAt: sql<number | null>`NULL`.as("last_used_at"),
          expiresAt: sql<number | null>`${expiresAt}`.as("expires_at"),
        })
        .from(sql`(SELECT 1)`)
        .where(
          sql`(${deps.db.select({ n: count() }).from(t).where(eq(t.userId, deps.auth.userId))}) < ${TOKENS_PER_USER_MAX}`,
        ),
    ),
  ]);
  if (inserted.meta.changes !== 1) {
    throw conflict(
      `An account may hold at most ${TOKENS_PER_USER_MAX} tokens; delete one first.`,
      "token_limit_reached",
    );
  }
  return {
    id,
    name: input.name,
    scopes: input.scopes,
    prefix,
    created_at: toIso(deps.now),
    expires_at: expiresAt === null ? null : toIso(expiresAt),
    token,
  };
}

/** The caller's tokens, newest first (at most TOKENS_PER_USER_MAX), in one round trip. */
export async function listTokens(deps: AuthedDeps): Promise<{ data: TokenView[] }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select().from(t).where(eq(t.userId, deps.auth.userId)).orderBy(desc(t.createdAt), desc(t.id)),
  ]);
  return { data: rows.map(toView) };
}

/**
 * Deletes (revokes) one of the caller's tokens; it stops working on the next request.
 * @throws ApiError 404 for an unknown id or another user's token.
 */
export async function deleteToken(deps: AuthedDeps, id: string): Promise<void> {
  const [deleted] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .delete(t)
      .where(and(eq(t.id, id), eq(t.userId, deps.auth.userId)))
      .returning({ id: t.id }),
  ]);
  if (deleted.length === 0) throw notFound("token", id);
}
