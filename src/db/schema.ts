/**
 * The drizzle schema: the single source of truth for D1 tables.
 * Migrations in migrations/ are generated from it by `npm run db:generate`.
 * Timestamps are integer milliseconds since the epoch (UTC); the API renders them as ISO 8601.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const timestamp = (name: string) => integer(name, { mode: "number" });

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  // Stored trimmed and lower-cased, so the unique index is case-insensitive in effect.
  email: text("email").notNull().unique(),
  // Versioned: "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>".
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

/** One login = one session; access tokens carry its id (`sid`) so revoking it ends them at once. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull(),
    // Absolute end of the session (30 days); rotation does not extend it.
    expiresAt: timestamp("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/**
 * Every refresh token ever issued for a session, stored only as its SHA-256.
 * Keeping used ones is what lets a replayed token be recognised and its session revoked.
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull(),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("refresh_tokens_session_id_idx").on(t.sessionId)],
);

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

/** Unix epoch milliseconds in SQL, for defaults computed by D1 itself. */
export const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`;
