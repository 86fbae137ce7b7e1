/**
 * The drizzle schema: the single source of truth for D1 tables.
 * Migrations in migrations/ are generated from it by `npm run db:generate`.
 * Timestamps are integer milliseconds since the epoch (UTC); the API renders them as ISO 8601.
 */
import { sql } from "drizzle-orm";
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { TokenScope } from "../lib/scopes";

const timestamp = (name: string) => integer(name, { mode: "number" });

/** Accounts. `email` is stored trimmed and lower-cased. */
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
    // Shown in GET /auth/sessions: the client that opened it (truncated) and its last rotation.
    userAgent: text("user_agent"),
    lastRefreshedAt: timestamp("last_refreshed_at"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * Personal access tokens for scripts and integrations: `fcpat_` + 32 random bytes, stored only as
 * their SHA-256. Deleting the row revokes the token. Scopes are a JSON array of TOKEN_SCOPES.
 */
export const personalAccessTokens = sqliteTable(
  "personal_access_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    // The token's first characters, shown so a person can tell tokens apart.
    prefix: text("prefix").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<TokenScope[]>().notNull(),
    createdAt: timestamp("created_at").notNull(),
    // Refreshed at most hourly, after the response: a read does not become a write.
    lastUsedAt: timestamp("last_used_at"),
    // NULL: never expires.
    expiresAt: timestamp("expires_at"),
  },
  (t) => [
    index("personal_access_tokens_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("personal_access_tokens_expires_idx").on(t.expiresAt).where(sql`${t.expiresAt} IS NOT NULL`),
  ],
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

/**
 * Failed-login throttle per account (issue #12 item 2). Keyed by the SHA-256 of the normalised email,
 * whether or not an account has it, so a 429 never tells which emails are registered. Every login
 * attempt is counted *before* the password is hashed (a conditional upsert that refuses while the
 * account is in back-off), and a success deletes the row.
 */
export const loginThrottles = sqliteTable(
  "login_throttles",
  {
    accountKey: text("account_key").primaryKey(),
    // Attempts since the last success (or since failures decayed after a quiet day).
    failures: integer("failures").notNull(),
    lockedUntil: timestamp("locked_until"),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [index("login_throttles_updated_idx").on(t.updatedAt)],
);

/**
 * Client networks (an IPv4 address or an IPv6 /64, hashed) an account has logged in from: during a
 * back-off, a login from one of them is still let through to the password check, so an attacker
 * cannot lock the owner out of their usual networks.
 */
export const trustedLoginNetworks = sqliteTable(
  "trusted_login_networks",
  {
    accountKey: text("account_key").notNull(),
    networkKey: text("network_key").notNull(),
    lastSuccessAt: timestamp("last_success_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountKey, t.networkKey] })],
);

/**
 * Commonly used passwords (NIST SP 800-63B §5.1.1.2), lower-cased, only those of 12+ characters (shorter
 * ones fail the length rule anyway). Filled by a hand-written migration; read only by the registration
 * batch's `common_password_gate`, one primary-key lookup.
 */
export const commonPasswords = sqliteTable("common_passwords", {
  password: text("password").primaryKey(),
});

/**
 * One successful AI generation. The source text is not stored: only its SHA-256 and length.
 * The acceptance counters grow in the same batch as the flashcards accepted from it.
 */
export const generations = sqliteTable(
  "generations",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    sourceTextHash: text("source_text_hash").notNull(),
    sourceTextLength: integer("source_text_length").notNull(),
    generatedCount: integer("generated_count").notNull(),
    acceptedUneditedCount: integer("accepted_unedited_count").notNull().default(0),
    acceptedEditedCount: integer("accepted_edited_count").notNull().default(0),
    durationMs: integer("duration_ms").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    // Options of POST /generations (issue #17): cards accepted from it without their own deck_id / tags get
    // these. `tags` is JSON `[{"name","key"}]` (key = the tag's name key, so SQL can link without recomputing).
    deckId: text("deck_id").references((): AnySQLiteColumn => decks.id, { onDelete: "set null" }),
    tags: text("tags"),
  },
  (t) => [
    index("generations_user_created_idx").on(t.userId, t.createdAt, t.id),
    // A deck's deletion sets its generations' deck_id to NULL: found by this index, not a scan.
    index("generations_deck_idx").on(t.deckId),
    check("generations_counts_non_negative", sql`${t.acceptedUneditedCount} >= 0 AND ${t.acceptedEditedCount} >= 0`),
    // A client cannot accept more cards from a generation than it proposed.
    check(
      "generations_accepted_within_generated",
      sql`${t.acceptedUneditedCount} + ${t.acceptedEditedCount} <= ${t.generatedCount}`,
    ),
  ],
);

/**
 * The proposals of a generation, kept as hashes (issue #12 item 3): a card is accepted as `ai-full` only
 * when its text hashes to a proposal not yet accepted, and `ai-edited` only for a proposal index that was
 * proposed and not yet accepted (the `proposal_acceptance_gate` view's trigger enforces both). The text is
 * not stored: `text_hash` = SHA-256 hex of `JSON.stringify([front, back])`.
 */
export const generationProposals = sqliteTable(
  "generation_proposals",
  {
    generationId: text("generation_id")
      .notNull()
      .references(() => generations.id, { onDelete: "cascade" }),
    // The 0-based position in the generation response's `proposals`.
    proposalIndex: integer("proposal_index").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    textHash: text("text_hash").notNull(),
    acceptedAt: timestamp("accepted_at"),
  },
  (t) => [
    primaryKey({ columns: [t.generationId, t.proposalIndex] }),
    index("generation_proposals_user_idx").on(t.userId),
  ],
);

/**
 * Every generation attempt of the last hour: the per-user quota counts these rows. A row is written
 * *before* the provider call by one conditional INSERT that refuses once the quota is reached, so
 * concurrent requests cannot all pass a count read earlier. `expires_at` is the lease of a running
 * attempt (the provider budget plus a margin): an abandoned reservation stops counting after it. The
 * outcome (a generation or an error log) finalises the row (`expires_at` NULL: it counts for the hour).
 */
export const generationAttempts = sqliteTable(
  "generation_attempts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at"),
  },
  (t) => [
    index("generation_attempts_user_created_idx").on(t.userId, t.createdAt, t.expiresAt),
    // Pruning (src/db/prune.ts) finds old attempts across users.
    index("generation_attempts_created_idx").on(t.createdAt),
  ],
);

/** One failed generation attempt: no generation row is written for a failure, this is. */
export const generationErrorLogs = sqliteTable(
  "generation_error_logs",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    sourceTextHash: text("source_text_hash").notNull(),
    sourceTextLength: integer("source_text_length").notNull(),
    errorCode: text("error_code").notNull(),
    // Written by our code: never an API key, an upstream body or the source text.
    errorMessage: text("error_message").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("generation_error_logs_user_created_idx").on(t.userId, t.createdAt, t.id)],
);

/**
 * Idempotency keys of POST /generations, per user, for 24 hours. A row without a response is a
 * reservation: the first request is still running.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    // SHA-256 of the canonical request (the trimmed source text): same key + other body = 422.
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.key] }),
    // Pruning (src/db/prune.ts) finds keys past their 24 hours across users.
    index("idempotency_keys_created_idx").on(t.createdAt),
  ],
);

/**
 * A deck: a named folder of cards, nested under `parent_id` (NULL = a root deck). Depth (<= 8), the
 * per-user limit (2,000), parent ownership and cycles are enforced by triggers (migrations/0015), which
 * also keep `deck_tree` in step.
 */
export const decks = sqliteTable(
  "decks",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // A deleted deck takes its subdecks (their cards are handled explicitly: see flashcards.deck_id).
    parentId: text("parent_id").references((): AnySQLiteColumn => decks.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // name.normalize("NFC").toLowerCase(), computed in JS: D1 has no ICU and NOCASE folds only ASCII.
    nameKey: text("name_key").notNull(),
    description: text("description"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    // Grows with every change of the deck (triggers in migrations: a write that does not bump it gets
    // bumped): the ETag of GET /decks/:id and what If-Match compares.
    version: integer("version").notNull().default(0),
  },
  (t) => [
    // Siblings are unique case-insensitively. Two partial indexes because NULL parents (root decks) are
    // distinct in a unique index. decks_user_idx serves "every deck of a user".
    uniqueIndex("decks_sibling_name_unique").on(t.userId, t.parentId, t.nameKey).where(sql`${t.parentId} IS NOT NULL`),
    uniqueIndex("decks_root_name_unique").on(t.userId, t.nameKey).where(sql`${t.parentId} IS NULL`),
    index("decks_user_idx").on(t.userId, t.id),
    index("decks_parent_idx").on(t.parentId),
  ],
);

/**
 * The closure of the deck tree: one row per (ancestor, descendant) pair, the deck itself at distance 0.
 * Written only by the triggers on `decks` (migrations/0015): subtree and ancestry become index lookups,
 * and the move trigger refuses a cycle inside the moving transaction.
 */
export const deckTree = sqliteTable(
  "deck_tree",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    ancestorId: text("ancestor_id")
      .notNull()
      .references(() => decks.id, { onDelete: "cascade" }),
    descendantId: text("descendant_id")
      .notNull()
      .references(() => decks.id, { onDelete: "cascade" }),
    distance: integer("distance").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ancestorId, t.descendantId] }),
    index("deck_tree_descendant_idx").on(t.descendantId, t.distance, t.ancestorId),
    // Deleting an account cascades here by user_id (the FK): without it, a scan of every user's closure.
    // ancestor_id and descendant_id follow so a subtree lookup `user_id = ? AND ancestor_id = ?` is
    // served by it too, covering: with user_id alone the planner picked it and read the user's whole closure.
    index("deck_tree_user_ancestor_idx").on(t.userId, t.ancestorId, t.descendantId),
  ],
);

/** A user's tag; `name` is the first spelling seen, `name_key` (NFC + lower case) decides identity. */
export const tags = sqliteTable(
  "tags",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [uniqueIndex("tags_user_key_unique").on(t.userId, t.nameKey)],
);

/**
 * Every source the database accepts. `imported` is reserved for the import endpoint (issue #16): the
 * request schemas list their own subset, so the CHECK can be wider than the API without a rebuild later.
 */
export const FLASHCARD_SOURCES = ["manual", "ai-full", "ai-edited", "imported"] as const;
/** A value of `flashcards.source`. */
export type FlashcardSource = (typeof FLASHCARD_SOURCES)[number];

/**
 * A flashcard with its FSRS scheduling state (ts-fsrs `Card`). A new card is state 0 (new), due at
 * creation. `version` grows with every change of the card (reviews, edits, moves, tag changes; a trigger
 * bumps it for any write that does not): the conditional update of reviews, the ETag and If-Match.
 */
export const flashcards = sqliteTable(
  "flashcards",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    generationId: text("generation_id").references(() => generations.id, { onDelete: "set null" }),
    front: text("front").notNull(),
    back: text("back").notNull(),
    // The duplicate key of `front` (src/lib/front-key.ts), written by every path that writes `front`:
    // imports skip duplicates on it and generations flag `duplicate_of` with it.
    frontKey: text("front_key").notNull().default(""),
    source: text("source", { enum: FLASHCARD_SOURCES }).notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    // FSRS state, see https://github.com/open-spaced-repetition/ts-fsrs
    state: integer("state").notNull().default(0),
    due: timestamp("due").notNull(),
    stability: real("stability").notNull().default(0),
    difficulty: real("difficulty").notNull().default(0),
    elapsedDays: integer("elapsed_days").notNull().default(0),
    scheduledDays: integer("scheduled_days").notNull().default(0),
    learningSteps: integer("learning_steps").notNull().default(0),
    reps: integer("reps").notNull().default(0),
    lapses: integer("lapses").notNull().default(0),
    lastReview: timestamp("last_review"),
    version: integer("version").notNull().default(0),
    // NULL = in no deck. NO ACTION (checked at the end of each statement): the database refuses to
    // delete a deck, or a subdeck through the parent cascade, while a card is in it. Only
    // DELETE /decks/:id?cascade=true removes cards, explicitly, before the deck.
    deckId: text("deck_id").references(() => decks.id),
    // Card states (issue #15): a suspended card is never offered; a buried one not before
    // `buried_until` (the learner's next day start); a leech lapsed `leech_threshold` times.
    suspended: integer("suspended", { mode: "boolean" }).notNull().default(false),
    buriedUntil: timestamp("buried_until"),
    leech: integer("leech", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("flashcards_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("flashcards_user_updated_idx").on(t.userId, t.updatedAt, t.id),
    index("flashcards_user_due_idx").on(t.userId, t.due, t.id),
    index("flashcards_user_generation_idx").on(t.userId, t.generationId),
    index("flashcards_user_front_key_idx").on(t.userId, t.frontKey),
    // The study queue: cards in learning/review/relearning by due date, and new cards by age.
    // Both end with id, like the queries' ORDER BY, so no sort step makes the full indexes look cheaper.
    index("flashcards_user_review_due_idx").on(t.userId, t.due, t.id).where(sql`${t.state} <> 0`),
    index("flashcards_user_new_idx").on(t.userId, t.createdAt, t.id).where(sql`${t.state} = 0`),
    // Counting due (re)learning cards without reading every due row.
    // (state is in the key so SQLite can count from the index alone.)
    index("flashcards_user_learning_due_idx").on(t.userId, t.due, t.state).where(sql`${t.state} IN (1, 3)`),
    // The same count once suspended and buried cards are left out: still index-only.
    index("flashcards_user_learning_offered_idx")
      .on(t.userId, t.due, t.state, t.suspended, t.buriedUntil)
      .where(sql`${t.state} IN (1, 3)`),
    // The queue's offered due cards (#19): the due page skips no suspended card, and the due count is
    // index-only (state and buried_until in the key: SQLite needs every column the count tests, the
    // partial WHERE's own included) instead of reading every due row to test suspended and buried.
    index("flashcards_user_due_offered_idx")
      .on(t.userId, t.due, t.id, t.state, t.buriedUntil)
      .where(sql`${t.state} <> 0 AND ${t.suspended} = 0`),
    // Both lead with deck_id, so they also serve the foreign key's lookups when a deck is deleted.
    // Covering (user_id last): per-deck counts and the per-deck due queue read no table rows.
    index("flashcards_deck_state_due_idx").on(t.deckId, t.state, t.due, t.userId),
    index("flashcards_deck_created_idx").on(t.deckId, t.createdAt, t.id),
    // The due cards of all of a user's decks in one range (GET /decks' due counts): 2,000 decks would
    // otherwise be 6,000 seeks on flashcards_deck_state_due_idx. deck_id in the key: no table row read.
    // "deck_id IS NOT NULL" keeps it out of the queue's plans (their WHERE does not imply it), which
    // would otherwise take it for flashcards_user_review_due_idx (same leading columns and condition).
    index("flashcards_user_due_deck_idx")
      .on(t.userId, t.due, t.deckId)
      .where(sql`${t.state} <> 0 AND ${t.deckId} IS NOT NULL`),
    check("flashcards_source_valid", sql`${t.source} IN ('manual', 'ai-full', 'ai-edited', 'imported')`),
    // Only AI cards name a generation (it may be NULL later: ON DELETE SET NULL); manual and imported never do.
    check(
      "flashcards_generation_only_for_ai",
      sql`${t.generationId} IS NULL OR ${t.source} IN ('ai-full', 'ai-edited')`,
    ),
    check("flashcards_state_valid", sql`${t.state} BETWEEN 0 AND 3`),
  ],
);

/** A study session: the queue planned at its start, and when it was finished. */
export const studySessions = sqliteTable(
  "study_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // JSON array of the flashcard ids planned at the start.
    cardIds: text("card_ids", { mode: "json" }).$type<string[]>().notNull(),
    startedAt: timestamp("started_at").notNull(),
    finishedAt: timestamp("finished_at"),
  },
  (t) => [index("study_sessions_user_started_idx").on(t.userId, t.startedAt)],
);

/**
 * One review of one card: the rating, the card's FSRS state before it (ts-fsrs `ReviewLog`) and the
 * due date it produced.
 */
export const reviewLogs = sqliteTable(
  "review_logs",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    flashcardId: text("flashcard_id")
      .notNull()
      .references(() => flashcards.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => studySessions.id, { onDelete: "set null" }),
    rating: integer("rating").notNull(),
    state: integer("state").notNull(),
    due: timestamp("due").notNull(),
    stability: real("stability").notNull(),
    difficulty: real("difficulty").notNull(),
    elapsedDays: integer("elapsed_days").notNull(),
    lastElapsedDays: integer("last_elapsed_days").notNull(),
    scheduledDays: integer("scheduled_days").notNull(),
    learningSteps: integer("learning_steps").notNull(),
    nextDue: timestamp("next_due").notNull(),
    durationMs: integer("duration_ms"),
    reviewedAt: timestamp("reviewed_at").notNull(),
    // The card's study columns exactly as they were before this entry (src/study/pre-review-snapshot.ts):
    // undo writes them back. NULL on rows written before they existed (such a row cannot be undone).
    beforeState: integer("before_state"),
    beforeDue: timestamp("before_due"),
    beforeStability: real("before_stability"),
    beforeDifficulty: real("before_difficulty"),
    beforeElapsedDays: integer("before_elapsed_days"),
    beforeScheduledDays: integer("before_scheduled_days"),
    beforeLearningSteps: integer("before_learning_steps"),
    beforeReps: integer("before_reps"),
    beforeLapses: integer("before_lapses"),
    beforeLastReview: timestamp("before_last_review"),
    // The card states of issue #15, snapshotted the same way (NULL on older rows reads as "not
    // suspended, not buried, not a leech": no card had those states before the columns existed).
    beforeSuspended: integer("before_suspended", { mode: "boolean" }),
    beforeBuriedUntil: timestamp("before_buried_until"),
    beforeLeech: integer("before_leech", { mode: "boolean" }),
  },
  (t) => [
    index("review_logs_flashcard_reviewed_idx").on(t.flashcardId, t.reviewedAt, t.id),
    index("review_logs_user_reviewed_idx").on(t.userId, t.reviewedAt),
    index("review_logs_session_idx").on(t.sessionId),
    // First reviews of new cards: today's count against the daily new-card limit, index-only.
    index("review_logs_user_first_reviews_idx").on(t.userId, t.reviewedAt, t.state).where(sql`${t.state} = 0`),
    // 0 is ts-fsrs `Rating.Manual`: a forget/reschedule entry (issue #15), not a rating a client sends.
    check("review_logs_rating_valid", sql`${t.rating} BETWEEN 0 AND 4`),
  ],
);

/** Which tags a card carries (<= 20 per card, enforced by a trigger in migrations/0015). */
export const flashcardTags = sqliteTable(
  "flashcard_tags",
  {
    flashcardId: text("flashcard_id")
      .notNull()
      .references(() => flashcards.id, { onDelete: "cascade" }),
    tagId: text("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.flashcardId, t.tagId] }),
    index("flashcard_tags_tag_idx").on(t.tagId, t.flashcardId),
    // Deleting an account cascades here by user_id (the FK): without it, a scan of every user's links.
    // flashcard_id follows so `user_id = ? AND flashcard_id IN (…)` (unlinking) still seeks by card.
    index("flashcard_tags_user_card_idx").on(t.userId, t.flashcardId),
  ],
);

/** How a file came in: Anki notes, a spreadsheet, or an account.json round trip. */
export const IMPORT_FORMATS = ["anki", "csv", "tsv", "account-json"] as const;

/**
 * One finished import (issue #16): its counts and the first 100 warnings and rejected rows, so a client
 * can show what happened later. Cards point at nothing here; the import writes them in the same batch.
 */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    format: text("format", { enum: IMPORT_FORMATS }).notNull(),
    // The request's default deck; kept as given (no foreign key): the record outlives the deck.
    targetDeckId: text("target_deck_id"),
    duplicates: text("duplicates", { enum: ["skip", "allow"] }).notNull(),
    totalRows: integer("total_rows").notNull(),
    created: integer("created").notNull(),
    skippedDuplicates: integer("skipped_duplicates").notNull(),
    rejected: integer("rejected").notNull(),
    decksCreated: integer("decks_created").notNull(),
    warnings: text("warnings", { mode: "json" })
      .$type<{ line: number | null; code: string; message: string }[]>()
      .notNull(),
    rejectedRows: text("rejected_rows", { mode: "json" })
      .$type<{ line: number | null; code: string; message: string }[]>()
      .notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("imports_user_created_idx").on(t.userId, t.createdAt, t.id)],
);

/**
 * The change feed's per-user counter (issue #14): `seq` is the last sequence number assigned to one of
 * the user's changes, `pruned_seq` the highest sequence of a pruned tombstone (a cursor below it → 410).
 * Written only by the `change_log` trigger and the prune job.
 */
export const syncCounters = sqliteTable("sync_counters", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  seq: integer("seq").notNull().default(0),
  prunedSeq: integer("pruned_seq").notNull().default(0),
});

/** The entities the change feed carries. */
export const CHANGE_ENTITIES = ["flashcard", "deck", "tag", "review", "study_session", "settings"] as const;

/**
 * The change feed (GET /sync/changes): the latest change of each of a user's entities, written only by
 * triggers (migrations, `change_log`), so every write path records its change in its own transaction.
 * One row per entity (the unique index): read from seq 0 it is the whole collection; `delete` rows are
 * tombstones, kept at least 90 days.
 */
export const changes = sqliteTable(
  "changes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    entity: text("entity", { enum: CHANGE_ENTITIES }).notNull(),
    entityId: text("entity_id").notNull(),
    op: text("op", { enum: ["upsert", "delete"] }).notNull(),
    // Epoch ms by the database clock; only decides when a tombstone may go.
    changedAt: timestamp("changed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.seq] }),
    uniqueIndex("changes_user_entity_unique").on(t.userId, t.entity, t.entityId),
    index("changes_tombstones_idx").on(t.changedAt, t.userId, t.seq).where(sql`${t.op} = 'delete'`),
  ],
);

/** A row of `imports`. */
export type ImportRow = typeof imports.$inferSelect;
/** A `decks` row as drizzle selects it. */
export type DeckRow = typeof decks.$inferSelect;

/** What happens to a card that becomes a leech (the `leech_action` setting). */
export const LEECH_ACTIONS = ["tag", "suspend"] as const;

/**
 * A learner's study settings: one row, written by the first PATCH /settings. Every setting is
 * nullable: NULL means "the server default" (the [vars]), so a user who never set a field follows the
 * operator's default. `version` grows with every change: reads that guessed the settings compare it.
 */
export const userSettings = sqliteTable(
  "user_settings",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    version: integer("version").notNull().default(1),
    updatedAt: timestamp("updated_at").notNull(),
    timezone: text("timezone"),
    dayStartsAt: integer("day_starts_at"),
    desiredRetention: real("desired_retention"),
    maximumIntervalDays: integer("maximum_interval_days"),
    newCardsPerDay: integer("new_cards_per_day"),
    reviewsPerDay: integer("reviews_per_day"),
    // JSON arrays of ts-fsrs step units ("1m", "10m", "1d").
    learningSteps: text("learning_steps", { mode: "json" }).$type<string[]>(),
    relearningSteps: text("relearning_steps", { mode: "json" }).$type<string[]>(),
    enableFuzz: integer("enable_fuzz", { mode: "boolean" }),
    leechThreshold: integer("leech_threshold"),
    leechAction: text("leech_action", { enum: LEECH_ACTIONS }),
    // JSON array of 17, 19 or 21 FSRS weights, stored as sent; NULL = ts-fsrs's defaults.
    fsrsParameters: text("fsrs_parameters", { mode: "json" }).$type<number[]>(),
  },
  (t) => [check("user_settings_leech_action_valid", sql`${t.leechAction} IN ('tag', 'suspend')`)],
);

/** A `review_logs` row as drizzle selects it. */
export type ReviewLogRow = typeof reviewLogs.$inferSelect;
/** A `flashcards` row as drizzle selects it. */
export type FlashcardRow = typeof flashcards.$inferSelect;
/** A `generations` row as drizzle selects it. */
export type GenerationRow = typeof generations.$inferSelect;
/** A `user_settings` row as drizzle selects it. */
export type UserSettingsRow = typeof userSettings.$inferSelect;
/** A `generation_error_logs` row as drizzle selects it. */
export type GenerationErrorLogRow = typeof generationErrorLogs.$inferSelect;

/**
 * Maintained card counts (issue #15): how many of a user's cards sit in each deck (`deck_key`: the deck
 * id, or '' for no deck, since a NULL would not be unique), state and suspension. Triggers on
 * `flashcards` keep them in the transaction of every write (migrations/…_card_counts_triggers), so
 * `GET /stats` and deck counts read a few rows instead of counting cards. `deck_key` has no foreign key
 * (it is '' for no deck); a deck's deletion removes its rows through a trigger.
 */
export const cardCounts = sqliteTable(
  "card_counts",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deckKey: text("deck_key").notNull(),
    state: integer("state").notNull(),
    suspended: integer("suspended", { mode: "boolean" }).notNull(),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.deckKey, t.state, t.suspended] })],
);
