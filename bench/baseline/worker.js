/**
 * The baseline: the floor the app is compared with. It answers the benchmarked hot paths with the
 * same semantic work as the app and nothing else:
 *
 * - verifies the HS256 access token by hand (WebCrypto HMAC-SHA256, key imported once per isolate;
 *   header alg, signature, exp, sub and sid checked);
 * - runs the app's own SQL text (the statements drizzle generates, copied verbatim, same bound
 *   parameters) in one `env.DB.batch` per round trip, behind the same session-gate INSERT. Every
 *   run checks this still holds: bench/round-trips.test.ts records the statements the app prepares
 *   and the runner compares them with ENDPOINT_SQL below (the report flags any difference);
 * - returns the same JSON (snake_case, ISO 8601 dates, signed next-page cursor) with the same status.
 *
 * It does NOT: route through a framework, validate or trim input (bodies and queries are trusted),
 * parse configuration, set CORS/security/request-id headers, log a line per request, map errors to
 * problem documents (beyond the 401/404 the benchmark never triggers), or use an ORM.
 * FSRS scheduling uses ts-fsrs with the app's parameters: the scheduling maths is the product, not
 * overhead, so both sides pay for it.
 *
 * Bench-only routes under /__bench/ (guarded by the JWT secret in `x-bench-secret`) let the runner
 * seed rows, count them, and read the hot queries' plans and execution times through this worker's
 * D1 binding.
 */
import { fsrs, generatorParameters } from "ts-fsrs";
import { LOG_COLUMNS } from "../lib/columns.mjs";

const CARD_COLUMNS =
  '"id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review"';
/** The read paths' columns (#13's deck and tags, #15's card states): the tag names as one JSON array. */
const TAGS_OF_CARD =
  '(SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id")';
const READ_COLUMNS = `${CARD_COLUMNS}, "deck_id", ${TAGS_OF_CARD}, "suspended", "buried_until", "leech"`;
const QUALIFIED_READ_COLUMNS = `${CARD_COLUMNS.replaceAll('"', "")
  .split(", ")
  .map((c) => `"flashcards"."${c}"`)
  .join(
    ", ",
  )}, "flashcards"."deck_id", ${TAGS_OF_CARD}, "flashcards"."suspended", "flashcards"."buried_until", "flashcards"."leech"`;
const NEWEST_FIRST = 'ORDER BY "flashcards"."created_at" desc, "flashcards"."id" desc';
/** The search plans' numbers (src/db/card-search.ts). */
const SEARCH_FTS_CAP = 500;
const SEARCH_WINDOW = 1000;
/** 1 when the term matches at most SEARCH_FTS_CAP rows of the FTS index (binds: cap, phrase, cap + 1). */
const FTS_DRIVES = "(SELECT count(*) <= ? FROM (SELECT 1 FROM flashcards_fts WHERE flashcards_fts MATCH ? LIMIT ?))";

/** Cards the queue may offer now (src/study/queue.ts `offeredAt`; binds: now). */
const OFFERED =
  '"flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?)';
/** The columns of `flashcards` and `review_logs` in schema order (the review's JSON rows follow it). */
const FLASHCARD_COLUMNS = [
  "id",
  "user_id",
  "generation_id",
  "front",
  "back",
  "front_key",
  "source",
  "created_at",
  "updated_at",
  "state",
  "due",
  "stability",
  "difficulty",
  "elapsed_days",
  "scheduled_days",
  "learning_steps",
  "reps",
  "lapses",
  "last_review",
  "version",
  "deck_id",
  "suspended",
  "buried_until",
  "leech",
];
/** The card's study columns a review writes and its log row snapshots (src/study/pre-review-snapshot.ts). */
const STUDY_COLUMNS = [
  "state",
  "due",
  "stability",
  "difficulty",
  "elapsed_days",
  "scheduled_days",
  "learning_steps",
  "reps",
  "lapses",
  "last_review",
  "suspended",
  "buried_until",
  "leech",
];
const REVIEW_LOG_COLUMNS = [...LOG_COLUMNS, ...STUDY_COLUMNS.map((c) => `before_${c}`)];
/** The leech tag's conditions: the card still has the version read, and room for a tag. */
const LEECH_STILL_UNCHANGED = `
    FROM json_each(?) AS j
    CROSS JOIN flashcards AS f
      ON f.id = j.value ->> '$.id' AND f.user_id = ? AND f.version = j.value ->> '$.v'`;
const LEECH_HAS_ROOM = "(SELECT count(*) FROM flashcard_tags AS ft WHERE ft.flashcard_id = f.id) < ?";
/** The default lapses that make a card a leech (SETTING_DEFAULTS.leechThreshold). */
const LEECH_THRESHOLD = 8;
/** At most this many later reviews are replayed (the app's MAX_REPLAY). */
const MAX_REPLAY = 200;

/** The app's SQL, as drizzle generates it (see src/); bound parameters in the same places. */
const SQL = {
  gate: 'insert into "session_gate" ("session_id", "user_id", "at") values (?, ?, ?)',
  readGate:
    'select 1 from "sessions" where ("sessions"."id" = ? and "sessions"."user_id" = ? and "sessions"."revoked_at" is null and "sessions"."expires_at" > ?)',
  list: `select ${READ_COLUMNS} from "flashcards" where "flashcards"."user_id" = ? order by "flashcards"."created_at" desc, "flashcards"."id" desc limit ?`,
  // Search, 3+ code points: the bounded walk (runs when the term is common), its window end, and the
  // FTS-driven read (runs when it is rare); see src/db/card-search.ts.
  searchWalk: `select ${QUALIFIED_READ_COLUMNS} from (SELECT "flashcards".rowid AS r, "flashcards"."created_at" AS k, "flashcards"."id" AS i FROM "flashcards" WHERE "flashcards"."user_id" = ? ${NEWEST_FIRST} LIMIT ? * (1 - ${FTS_DRIVES})) AS w inner join "flashcards" on "flashcards".rowid = w.r where EXISTS (SELECT 1 FROM flashcards_fts WHERE flashcards_fts MATCH ? AND rowid = "flashcards".rowid) order by w.k desc, w.i desc limit ?`,
  searchWindowEnd: `select "key", "id" from (SELECT "flashcards"."created_at" AS "key", "flashcards"."id" AS "id" FROM "flashcards" WHERE "flashcards"."user_id" = ? ${NEWEST_FIRST} LIMIT (? * (1 - ${FTS_DRIVES})) > 0 OFFSET ?)`,
  searchFts: `select ${READ_COLUMNS} from "flashcards" where ("flashcards".rowid IN (SELECT rowid FROM flashcards_fts WHERE flashcards_fts MATCH ? LIMIT ? * ${FTS_DRIVES}) and +"flashcards"."user_id" = ?) order by "flashcards"."created_at" desc, "flashcards"."id" desc limit ?`,
  // Search, 1–2 code points: the bounded walk with LIKE and its window end.
  shortWalk: `select ${QUALIFIED_READ_COLUMNS} from (SELECT "flashcards".rowid AS r, "flashcards"."created_at" AS k, "flashcards"."id" AS i FROM "flashcards" WHERE "flashcards"."user_id" = ? ${NEWEST_FIRST} LIMIT ?) AS w inner join "flashcards" on "flashcards".rowid = w.r where ("flashcards"."front" LIKE ? ESCAPE '\\' OR "flashcards"."back" LIKE ? ESCAPE '\\') order by w.k desc, w.i desc limit ?`,
  shortWindowEnd: `select "key", "id" from (SELECT "flashcards"."created_at" AS "key", "flashcards"."id" AS "id" FROM "flashcards" WHERE "flashcards"."user_id" = ? ${NEWEST_FIRST} LIMIT (?) > 0 OFFSET ?)`,
  // With the version: the app answers it as the ETag (#18).
  get: `select ${READ_COLUMNS}, "version" from "flashcards" where ("flashcards"."id" = ? and "flashcards"."user_id" = ?)`,
  insertPrefix:
    'insert into "flashcards" ("id", "user_id", "generation_id", "front", "back", "front_key", "source", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "version", "deck_id", "suspended", "buried_until", "leech") values ',
  // The study queue (src/study/queue.ts): offered cards only (not suspended, not buried now); new cards
  // not rescheduled to a later date. The settings row, today's counts and the scope check are DECK_SQL's.
  queueDue: `select ${READ_COLUMNS} from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."state" <> 0 and "flashcards"."due" <= ? and ${OFFERED}) order by "flashcards"."due" asc, "flashcards"."id" asc limit ?`,
  queueNew: `select ${READ_COLUMNS} from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."state" = 0 and ${OFFERED} and +"flashcards"."due" <= ?) order by "flashcards"."created_at" asc, "flashcards"."id" asc limit ?`,
  queueDueCount: `select count(*) from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."state" <> 0 and "flashcards"."due" <= ? and ${OFFERED})`,
  queueLearningCount: `select count(*) from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."state" IN (1, 3) and "flashcards"."due" <= ? and ${OFFERED})`,
  queueNewCount: `select count(*) from (select 1 from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."state" = 0 and ${OFFERED} and +"flashcards"."due" <= ?) limit ?) "capped"`,
  // A review (src/study/apply-reviews.ts, the engine POST /reviews/batch shares): round trip 1 reads the
  // settings, the review id among the caller's and other users' logs, the card with its tags, the
  // session, and the card's history after the review (a late review's replay); round trip 2 inserts the
  // log (with the pre-review snapshot) and updates the card from one JSON parameter each, both
  // conditional on the version read.
  reviewOwnLogs: `select ${REVIEW_LOG_COLUMNS.map((c) => `"${c}"`).join(", ")} from "review_logs" where "review_logs"."id" IN (SELECT value FROM json_each(?)) AND +"review_logs"."user_id" = ?`,
  reviewForeignLogs:
    'select "id" from "review_logs" where ("review_logs"."user_id" <> ? and "review_logs"."id" IN (SELECT value FROM json_each(?)))',
  reviewCards: `select ${FLASHCARD_COLUMNS.filter((c) => c !== "user_id")
    .map((c) => `"${c}"`)
    .join(
      ", ",
    )}, ${TAGS_OF_CARD} from "flashcards" where "flashcards"."id" IN (SELECT value FROM json_each(?)) AND +"flashcards"."user_id" = ?`,
  reviewSessions:
    'select "id", "finished_at", "card_ids" from "study_sessions" where "study_sessions"."id" IN (SELECT value FROM json_each(?)) AND +"study_sessions"."user_id" = ?',
  reviewLater: `
      SELECT * FROM (
        SELECT l.*, row_number() OVER (PARTITION BY l.flashcard_id ORDER BY l.reviewed_at DESC, l.id DESC) AS rn
        FROM json_each(?) AS w
        JOIN review_logs AS l
          ON l.flashcard_id = w.value ->> '$.c'
         AND (l.reviewed_at, l.id) > (w.value ->> '$.t', w.value ->> '$.i')
        WHERE +l.user_id = ?
      ) WHERE rn <= ?`,
  reviewInsert: `
      INSERT INTO review_logs (user_id, ${REVIEW_LOG_COLUMNS.filter((c) => c !== "user_id").join(", ")})
      SELECT f.user_id, ${REVIEW_LOG_COLUMNS.filter((c) => c !== "user_id")
        .map((c) => `j.value ->> '$.${c}'`)
        .join(", ")}
      FROM json_each(?) AS j
      JOIN flashcards AS f
        ON f.id = j.value ->> '$.flashcard_id' AND +f.user_id = ? AND f.version = j.value ->> '$.v'`,
  reviewUpdate: `
      UPDATE flashcards SET ${STUDY_COLUMNS.map((c) => `${c} = j.value ->> '$.${c}'`).join(", ")},
        version = flashcards.version + 1
      FROM json_each(?) AS j
      WHERE flashcards.id = j.value ->> '$.id' AND +flashcards.user_id = ? AND flashcards.version = j.value ->> '$.v'
      RETURNING ${FLASHCARD_COLUMNS.join(", ")}`,
  // The leech tag (src/study/leech-tag.ts), when a review makes the card a leech (default action "tag").
  leechTag: `
      INSERT INTO tags (id, user_id, name, name_key, created_at)
      SELECT ?, ?, ?, ?, ?
      WHERE EXISTS (SELECT 1 ${LEECH_STILL_UNCHANGED} WHERE ${LEECH_HAS_ROOM})
      ON CONFLICT DO NOTHING`,
  leechLink: `
      INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id)
      SELECT f.id, t.id, t.user_id ${LEECH_STILL_UNCHANGED}
      CROSS JOIN tags AS t ON t.user_id = ? AND t.name_key = ?
      WHERE ${LEECH_HAS_ROOM}
      ON CONFLICT DO NOTHING`,
  // The change feed (src/db/change-feed.ts): the counter row, the page, then each entity kind's rows.
  feedCounter: 'select "seq", "pruned_seq" from "sync_counters" where "sync_counters"."user_id" = ?',
  feedPage:
    'select "seq", "entity", "entity_id", "op" from "changes" where ("changes"."user_id" = ? and "changes"."seq" > ?) order by "changes"."seq" asc limit ?',
  feedCards:
    'select "id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "deck_id", (SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id"), "suspended", "buried_until", "leech" from "flashcards" where (+"flashcards"."user_id" = ? and "flashcards"."id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
  feedReviews:
    'select "id", "flashcard_id", "session_id", "rating", "state", "due", "stability", "difficulty", "elapsed_days", "last_elapsed_days", "scheduled_days", "learning_steps", "next_due", "duration_ms", "reviewed_at" from "review_logs" where (+"review_logs"."user_id" = ? and "review_logs"."id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
  feedDecks:
    'select "id", "name", "parent_id", "description", "created_at", "updated_at" from "decks" where (+"decks"."user_id" = ? and "decks"."id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
  feedTags:
    'select "id", "name" from "tags" where (+"tags"."user_id" = ? and "tags"."id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
  feedSettings:
    'select "user_id", "version", "updated_at", "timezone", "day_starts_at", "desired_retention", "maximum_interval_days", "new_cards_per_day", "reviews_per_day", "learning_steps", "relearning_steps", "enable_fuzz", "leech_threshold", "leech_action", "fsrs_parameters" from "user_settings" where ("user_settings"."user_id" = ? and "user_settings"."user_id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
  feedSessions:
    'select "id", "card_ids", "started_at", "finished_at" from "study_sessions" where (+"study_sessions"."user_id" = ? and "study_sessions"."id" IN (SELECT "entity_id" FROM (SELECT "entity", "entity_id", "op" FROM "changes"\n    WHERE "changes"."user_id" = ? AND "changes"."seq" > ? ORDER BY "changes"."seq" LIMIT ?)\n    WHERE "entity" = ? AND "op" = \'upsert\'))',
};

/**
 * The app's SQL for the deck rows (#13), copied from what the app prepares (bench/round-trips.test.ts
 * prints it): the deck list with path and counts, a deck
 * subtree's card list (both plans of src/routes/flashcards, behind the 2,000-card count) and the
 * per-deck queue (src/study/queue.ts, `+user_id` so the deck's own cards are read).
 */
const DECK_SQL = {
  settings:
    'select "user_id", "version", "updated_at", "timezone", "day_starts_at", "desired_retention", "maximum_interval_days", "new_cards_per_day", "reviews_per_day", "learning_steps", "relearning_steps", "enable_fuzz", "leech_threshold", "leech_action", "fsrs_parameters" from "user_settings" where "user_settings"."user_id" = ?',
  scopeCheck:
    "select \"deck_found\", \"missing_tag\" from (SELECT EXISTS (SELECT 1 FROM decks WHERE id = ? AND user_id = ?) AS deck_found,\n      (SELECT min(j.key) FROM json_each(?) AS j WHERE NOT EXISTS (\n        SELECT 1 FROM tags AS t WHERE t.user_id = ?\n          AND (t.name_key = j.value OR (t.name_key >= j.value || '::' AND t.name_key < j.value || ':;')))) AS missing_tag)",
  deckListWalk:
    'select "id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "deck_id", (SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id"), "suspended", "buried_until", "leech" from "flashcards" where ("flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) order by "flashcards"."created_at" desc, "flashcards"."id" desc limit CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM "flashcards" WHERE (+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) LIMIT ?)) < ? THEN ? ELSE ? END',
  deckListScope:
    'select "id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "deck_id", (SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id"), "suspended", "buried_until", "leech" from "flashcards" where (+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) order by "flashcards"."created_at" desc, "flashcards"."id" desc limit CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM "flashcards" WHERE (+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) LIMIT ?)) < ? THEN ? ELSE ? END',
  deckQueueDue:
    'select "id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "deck_id", (SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id"), "suspended", "buried_until", "leech" from "flashcards" where ((+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) and "flashcards"."state" IN (1, 2, 3) and "flashcards"."due" <= ? and "flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?)) order by "flashcards"."due" asc, "flashcards"."id" asc limit ?',
  deckQueueNew:
    'select "id", "front", "back", "source", "generation_id", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "deck_id", (SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id"), "suspended", "buried_until", "leech" from "flashcards" where ((+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) and "flashcards"."state" = 0 and "flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?) and +"flashcards"."due" <= ?) order by "flashcards"."created_at" asc, "flashcards"."id" asc limit ?',
  deckQueueDueCount:
    'select count(*) from "flashcards" where ((+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) and "flashcards"."state" IN (1, 2, 3) and "flashcards"."due" <= ? and "flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?))',
  deckQueueLearningCount:
    'select count(*) from "flashcards" where ((+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) and "flashcards"."state" IN (1, 3) and "flashcards"."due" <= ? and "flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?))',
  deckQueueNewCount:
    'select count(*) from (select 1 from "flashcards" where ((+"flashcards"."user_id" = ? and "flashcards"."deck_id" IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ? AND user_id = ?)) and "flashcards"."state" = 0 and "flashcards"."suspended" = 0 AND ("flashcards"."buried_until" IS NULL OR "flashcards"."buried_until" <= ?) and +"flashcards"."due" <= ?) limit ?) "capped"',
  queueIntroducedToday:
    'select count(*) from "review_logs" where ("review_logs"."user_id" = ? and "review_logs"."reviewed_at" >= ? and "review_logs"."state" = 0)',
  queueReviewedToday:
    'select count(*) from "review_logs" where ("review_logs"."user_id" = ? and "review_logs"."reviewed_at" >= ?)',
  decks:
    'select "id", "name", "parent_id", "description", "path", "created_at", "updated_at", "cards", "new", "suspended", "due", "version" from (\n    WITH RECURSIVE own AS (\n      SELECT deck_key AS deck_id, sum(n) AS cards, sum(CASE WHEN state = 0 THEN n ELSE 0 END) AS new,\n        sum(CASE WHEN suspended THEN n ELSE 0 END) AS suspended, 0 AS due\n      FROM card_counts\n      WHERE user_id = ?\n      GROUP BY deck_key\n      UNION ALL\n      SELECT deck_id, 0, 0, 0, count(*)\n      FROM flashcards INDEXED BY flashcards_user_due_deck_idx\n      WHERE user_id = ? AND state <> 0 AND deck_id IS NOT NULL AND due <= ?\n      GROUP BY deck_id\n    ),\n    rolled AS (\n      SELECT t.ancestor_id AS id, sum(p.cards) AS cards, sum(p.new) AS new, sum(p.suspended) AS suspended,\n        sum(p.due) AS due\n      FROM own AS p JOIN deck_tree AS t ON t.descendant_id = p.deck_id\n      GROUP BY t.ancestor_id\n    ),\n    tree AS (\n      SELECT id, name, parent_id, description, name AS path, name_key AS path_key, created_at, updated_at, version\n      FROM decks\n      WHERE user_id = ? AND parent_id IS NULL\n      UNION ALL\n      SELECT d.id, d.name, d.parent_id, d.description, p.path || \'::\' || d.name, p.path_key || char(1) || d.name_key,\n        d.created_at, d.updated_at, d.version\n      FROM tree AS p JOIN decks AS d ON d.parent_id = p.id\n    )\n    SELECT d.id, d.name, d.parent_id, d.description, d.path, d.path_key, d.created_at, d.updated_at, d.version,\n      coalesce(r.cards, 0) AS cards, coalesce(r.new, 0) AS new, coalesce(r.suspended, 0) AS suspended,\n      coalesce(r.due, 0) AS due\n    FROM tree AS d\n    LEFT JOIN rolled AS r ON r.id = d.id) order by "path_key"',
};
/** A deck subtree below this many cards is read from its own cards (the app's NARROW_SCOPE_CARDS). */
const NARROW_SCOPE_CARDS = 2000;
/** The app's default day start (hours after midnight, UTC) and reviews per day. */
const DAY_STARTS_AT = 4;
const REVIEWS_PER_DAY = 9999;

/** The app's multi-row card INSERT: 8 bound values per row, its own timestamps inlined. */
const insertSql = (rows, now) =>
  SQL.insertPrefix +
  Array.from(
    { length: rows },
    () => `(?, ?, ?, ?, ?, ?, ?, ${now}, ${now}, 0, ${now}, 0, 0, 0, 0, 0, 0, 0, NULL, 0, ?, 0, NULL, 0)`,
  ).join(", ");

/** The app's duplicate key of a front (src/lib/front-key.ts): case-folded, punctuation and spaces squeezed. */
function frontKey(front) {
  const folded = front.normalize("NFC").toUpperCase().toLowerCase().replaceAll("ς", "σ").normalize("NFC");
  const stripped = folded
    .replace(/[\p{P}\p{S}]+/gu, "")
    .replace(/\s+/gu, " ")
    .trim();
  return stripped !== "" ? stripped : folded.replace(/\s+/gu, " ").trim();
}

/** The statements each benchmarked endpoint prepares, in order (the runner compares them with the app's). */
const ENDPOINT_SQL = {
  list: [SQL.readGate, SQL.list],
  search: [SQL.readGate, SQL.searchWalk, SQL.searchWindowEnd, SQL.searchFts],
  "search-short": [SQL.readGate, SQL.shortWalk, SQL.shortWindowEnd],
  get: [SQL.readGate, SQL.get],
  create: [SQL.gate, insertSql(1, 1_700_000_000_000)],
  // The app prepares its hand-written writes when it builds them, before the write's gate: this is the
  // order the statements are prepared in, not the batches' order.
  review: [
    SQL.gate,
    DECK_SQL.settings,
    SQL.reviewOwnLogs,
    SQL.reviewForeignLogs,
    SQL.reviewCards,
    SQL.reviewSessions,
    SQL.reviewLater,
    SQL.reviewInsert,
    SQL.reviewUpdate,
    SQL.gate,
  ],
  feed: [
    SQL.readGate,
    SQL.feedCounter,
    SQL.feedPage,
    SQL.feedCards,
    SQL.feedReviews,
    SQL.feedDecks,
    SQL.feedTags,
    SQL.feedSessions,
    SQL.feedSettings,
  ],
  decks: [SQL.readGate, DECK_SQL.decks],
  "deck-list": [SQL.readGate, DECK_SQL.deckListWalk, DECK_SQL.scopeCheck, DECK_SQL.deckListScope],
  "deck-queue": [
    SQL.readGate,
    DECK_SQL.settings,
    DECK_SQL.deckQueueDue,
    DECK_SQL.deckQueueNew,
    DECK_SQL.deckQueueDueCount,
    DECK_SQL.deckQueueLearningCount,
    DECK_SQL.deckQueueNewCount,
    DECK_SQL.queueIntroducedToday,
    DECK_SQL.queueReviewedToday,
    DECK_SQL.scopeCheck,
  ],
  queue: [
    SQL.readGate,
    DECK_SQL.settings,
    SQL.queueDue,
    SQL.queueNew,
    SQL.queueDueCount,
    SQL.queueLearningCount,
    SQL.queueNewCount,
    DECK_SQL.queueIntroducedToday,
    DECK_SQL.queueReviewedToday,
  ],
};

/** The app's defaults from wrangler.toml [vars]. */
const NEW_CARDS_PER_DAY = 20;
const PAGE_DEFAULT = 20;
const DAY_MS = 86_400_000;
const STATES = ["new", "learning", "review", "relearning"];
const RATINGS = { again: 1, hard: 2, good: 3, easy: 4 };
const RATING_NAMES = [null, "again", "hard", "good", "easy"];
const scheduler = fsrs(
  generatorParameters({
    request_retention: 0.9,
    maximum_interval: 36500,
    enable_fuzz: true,
    learning_steps: ["1m", "10m"],
    relearning_steps: ["10m"],
  }),
);

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = new Map();

/** An HMAC-SHA256 key for `material`, imported once per isolate. */
function hmacKey(material, usage) {
  const id = `${usage}:${material}`;
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(material), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
    keys.set(id, key);
  }
  return key;
}

function base64UrlToBytes(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64Url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Verifies an HS256 JWT; returns { userId, sessionId } or null. */
async function verifyToken(header, secret) {
  if (!header?.startsWith("Bearer ")) return null;
  const parts = header.slice(7).trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const head = JSON.parse(decoder.decode(base64UrlToBytes(parts[0])));
    if (head.alg !== "HS256") return null;
    const valid = await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret, "verify"),
      base64UrlToBytes(parts[2]),
      encoder.encode(`${parts[0]}.${parts[1]}`),
    );
    if (!valid) return null;
    const claims = JSON.parse(decoder.decode(base64UrlToBytes(parts[1])));
    if (typeof claims.exp !== "number" || claims.exp <= Date.now() / 1000) return null;
    if (typeof claims.sub !== "string" || typeof claims.sid !== "string") return null;
    return { userId: claims.sub, sessionId: claims.sid };
  } catch {
    return null;
  }
}

/** The app's next-page cursor: base64url(JSON) + "." + 16 bytes of HMAC-SHA256 with "cursor:<secret>". */
async function encodeCursor(payload, secret) {
  const body = bytesToBase64Url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(`cursor:${secret}`, "sign"), encoder.encode(body));
  return `${body}.${bytesToBase64Url(new Uint8Array(signature, 0, 16))}`;
}

const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());

/** A flashcard row as the app renders it. */
function cardJson(row) {
  return {
    id: row.id,
    front: row.front,
    back: row.back,
    source: row.source,
    generation_id: row.generation_id,
    deck_id: row.deck_id ?? null,
    // The app sorts tag names by their case-folded key; lower-casing is the same for the bench's tags.
    tags: JSON.parse(row.tags ?? "[]").sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    study: {
      state: STATES[row.state] ?? "new",
      due: iso(row.due),
      stability: row.stability,
      difficulty: row.difficulty,
      elapsed_days: row.elapsed_days,
      scheduled_days: row.scheduled_days,
      learning_steps: row.learning_steps,
      reps: row.reps,
      lapses: row.lapses,
      last_review: iso(row.last_review),
      suspended: Boolean(row.suspended),
      buried_until: iso(row.buried_until ?? null),
      leech: Boolean(row.leech),
    },
  };
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const problem = (status, code) => json({ status, code }, status);

/**
 * Runs `statements` after the session gate in one batch; returns their results (gate result dropped),
 * or null when the gate aborted the batch (session revoked or expired).
 */
async function gatedBatch(env, auth, now, statements) {
  try {
    const [, ...results] = await env.DB.batch([
      env.DB.prepare(SQL.gate).bind(auth.sessionId, auth.userId, now),
      ...statements,
    ]);
    return results;
  } catch (error) {
    if (
      String(error?.message ?? error).includes("session_invalid") ||
      String(error?.cause?.message).includes("session_invalid")
    )
      return null;
    throw error;
  }
}

/**
 * A read: the session check is a SELECT (so the batch may run on a replica) before `statements`; returns
 * their results, or null when the session is not live.
 */
async function readBatch(env, auth, now, statements) {
  const [live, ...results] = await env.DB.batch([
    env.DB.prepare(SQL.readGate).bind(auth.sessionId, auth.userId, now),
    ...statements,
  ]);
  return live.results.length === 0 ? null : results;
}

/** An FTS5 phrase for `text`; a LIKE pattern finding it anywhere (LIKE's own characters escaped). */
const phrase = (text) => `"${text.replaceAll('"', '""')}"`;
const contains = (text) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A card of the change feed as the app renders it (deck, tags sorted by key, card states). */
function feedCardJson(row) {
  const card = cardJson(row);
  const key = (name) => name.normalize("NFC").toLowerCase();
  const tags = JSON.parse(row.tags ?? "[]").sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    id: card.id,
    front: card.front,
    back: card.back,
    source: card.source,
    generation_id: card.generation_id,
    deck_id: row.deck_id,
    tags,
    created_at: card.created_at,
    updated_at: card.updated_at,
    study: {
      ...card.study,
      suspended: Boolean(row.suspended),
      buried_until: iso(row.buried_until),
      leech: Boolean(row.leech),
    },
  };
}

/** A review log as the app renders it. */
const reviewJson = (row) => ({
  id: row.id,
  flashcard_id: row.flashcard_id,
  session_id: row.session_id,
  rating: RATING_NAMES[row.rating] ?? "again",
  state_before: STATES[row.state] ?? "new",
  due_before: iso(row.due),
  stability: row.stability,
  difficulty: row.difficulty,
  elapsed_days: row.elapsed_days,
  last_elapsed_days: row.last_elapsed_days,
  scheduled_days: row.scheduled_days,
  learning_steps: row.learning_steps,
  next_due: iso(row.next_due),
  duration_ms: row.duration_ms,
  reviewed_at: iso(row.reviewed_at),
});

/** GET /api/v1/sync/changes?limit=: the first page of the change feed, as the app answers it. */
async function listChanges(env, auth, now, url) {
  const limit = Number(url.searchParams.get("limit") ?? 100);
  const rows = limit + 1;
  const user = auth.userId;
  const of = (sql, entity) => env.DB.prepare(sql).bind(user, user, 0, rows, entity);
  const results = await readBatch(env, auth, now, [
    env.DB.prepare(SQL.feedCounter).bind(user),
    env.DB.prepare(SQL.feedPage).bind(user, 0, rows),
    of(SQL.feedCards, "flashcard"),
    of(SQL.feedReviews, "review"),
    of(SQL.feedDecks, "deck"),
    of(SQL.feedTags, "tag"),
    of(SQL.feedSessions, "study_session"),
    of(SQL.feedSettings, "settings"),
  ]);
  if (!results) return problem(401, "session_expired");
  // The bench users never save settings: the settings statement runs (as in the app) and finds nothing.
  const [counter, page, cards, reviews, decks, tags, sessions] = results.map((r) => r.results);
  const data = new Map();
  for (const row of cards) data.set(`flashcard:${row.id}`, feedCardJson(row));
  for (const row of reviews) data.set(`review:${row.id}`, reviewJson(row));
  for (const row of decks) {
    data.set(`deck:${row.id}`, {
      id: row.id,
      name: row.name,
      parent_id: row.parent_id,
      description: row.description,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    });
  }
  for (const row of tags) data.set(`tag:${row.id}`, { id: row.id, name: row.name });
  for (const row of sessions) {
    data.set(`study_session:${row.id}`, {
      id: row.id,
      card_ids: JSON.parse(row.card_ids),
      started_at: iso(row.started_at),
      finished_at: iso(row.finished_at),
    });
  }
  const hasMore = page.length > limit;
  const changes = hasMore ? page.slice(0, limit) : page;
  const floor = counter[0]?.pruned_seq ?? 0;
  const position = changes.at(-1)?.seq ?? 0;
  const nextCursor = await encodeCursor({ k: `sync:changes:${user}`, v: position, id: String(floor) }, env.JWT_SECRET);
  return json({
    data: changes.map((change) => {
      const entry = { entity: change.entity, op: change.op, id: change.entity_id, seq: change.seq };
      const current = change.op === "upsert" ? data.get(`${change.entity}:${change.entity_id}`) : undefined;
      if (current) entry.data = current;
      return entry;
    }),
    pagination: { limit, next_cursor: nextCursor, has_more: hasMore },
  });
}

/**
 * GET /api/v1/flashcards[?q=&limit=]: the first page, newest first, with the next cursor. A search runs
 * the app's plans: FTS-driven for a rare term, a bounded walk (with its window end) otherwise.
 */
async function listCards(env, auth, now, url) {
  const limit = Number(url.searchParams.get("limit") ?? PAGE_DEFAULT);
  const q = url.searchParams.get("q")?.trim();
  const u = auth.userId;
  let statements;
  if (!q) statements = [env.DB.prepare(SQL.list).bind(u, limit + 1)];
  else if ([...q].length < 3) {
    const like = contains(q);
    statements = [
      env.DB.prepare(SQL.shortWalk).bind(u, SEARCH_WINDOW, like, like, limit + 1),
      env.DB.prepare(SQL.shortWindowEnd).bind(u, SEARCH_WINDOW, SEARCH_WINDOW - 1),
    ];
  } else {
    const term = phrase(q);
    const gate = [SEARCH_FTS_CAP, term, SEARCH_FTS_CAP + 1];
    statements = [
      env.DB.prepare(SQL.searchWalk).bind(u, SEARCH_WINDOW, ...gate, term, limit + 1),
      env.DB.prepare(SQL.searchWindowEnd).bind(u, SEARCH_WINDOW, ...gate, SEARCH_WINDOW - 1),
      env.DB.prepare(SQL.searchFts).bind(term, SEARCH_FTS_CAP, ...gate, u, limit + 1),
    ];
  }
  const results = await readBatch(env, auth, now, statements);
  if (!results) return problem(401, "session_expired");
  let rows;
  let windowEnd;
  if (!q) rows = results[0].results;
  else {
    const found = results[2]?.results ?? [];
    rows = found.length > 0 ? found : results[0].results;
    windowEnd = results[1].results[0];
  }
  const full = rows.length > limit;
  const hasMore = full || windowEnd !== undefined;
  const page = full ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  const position =
    !full && windowEnd ? { v: windowEnd.key, id: windowEnd.id } : last && { v: last.created_at, id: last.id };
  const nextCursor =
    hasMore && position ? await encodeCursor({ k: "flashcards:created_at:desc", ...position }, env.JWT_SECRET) : null;
  return json({ data: page.map(cardJson), pagination: { limit, next_cursor: nextCursor, has_more: hasMore } });
}

/** GET /api/v1/flashcards/:id */
async function getCard(env, auth, now, id) {
  const results = await readBatch(env, auth, now, [env.DB.prepare(SQL.get).bind(id, auth.userId)]);
  if (!results) return problem(401, "session_expired");
  const row = results[0].results[0];
  if (!row) return problem(404, "not_found");
  const response = json(cardJson(row));
  response.headers.set("ETag", `"${row.version}"`);
  return response;
}

/** POST /api/v1/flashcards {flashcards: [{front, back, source}]}: manual cards, as the app inserts them. */
async function createCards(env, auth, now, request) {
  const { flashcards } = await request.json();
  const rows = flashcards.map((card) => ({
    id: crypto.randomUUID(),
    front: card.front,
    back: card.back,
    source: card.source,
  }));
  const statements = [];
  // floor(100 bound parameters / 8 per row) rows per statement, as the app chunks them.
  for (let start = 0; start < rows.length; start += 12) {
    const chunk = rows.slice(start, start + 12);
    statements.push(
      env.DB.prepare(insertSql(chunk.length, now)).bind(
        ...chunk.flatMap((r) => [r.id, auth.userId, null, r.front, r.back, frontKey(r.front), r.source, null]),
      ),
    );
  }
  const results = await gatedBatch(env, auth, now, statements);
  if (!results) return problem(401, "session_expired");
  const data = rows.map((r) =>
    cardJson({
      ...r,
      generation_id: null,
      created_at: now,
      updated_at: now,
      state: 0,
      due: now,
      stability: 0,
      difficulty: 0,
      elapsed_days: 0,
      scheduled_days: 0,
      learning_steps: 0,
      reps: 0,
      lapses: 0,
      last_review: null,
    }),
  );
  return json({ data }, 201);
}

/** The JSON value of a boolean column (the app binds its drizzle rows' booleans). */
const flag = (value) => Boolean(value);

/**
 * POST /api/v1/flashcards/:id/reviews {rating, duration_ms}: the app's review engine for one review made
 * now (src/study/apply-reviews.ts): read (settings, the id among stored logs, the card, the session, the
 * card's later history), schedule with ts-fsrs, then write the log with the card's pre-review snapshot
 * and the card (out of burial; a leech at the threshold) from one JSON row each, conditional on the
 * version read. A review made now has no later history to replay: the baseline answers 501 if it ever
 * had (the benchmark never sends one); the bench users have no settings row, so the defaults apply.
 */
async function reviewCard(env, auth, now, id, request) {
  const input = await request.json();
  const u = auth.userId;
  const reviewId = crypto.randomUUID();
  const sessionId = input.session_id ?? null;
  const ids = JSON.stringify([reviewId]);
  const read = await gatedBatch(env, auth, now, [
    env.DB.prepare(DECK_SQL.settings).bind(u),
    env.DB.prepare(SQL.reviewOwnLogs).bind(ids, u),
    env.DB.prepare(SQL.reviewForeignLogs).bind(u, ids),
    env.DB.prepare(SQL.reviewCards).bind(JSON.stringify([id]), u),
    env.DB.prepare(SQL.reviewSessions).bind(JSON.stringify(sessionId ? [sessionId] : []), u),
    env.DB.prepare(SQL.reviewLater).bind(JSON.stringify([{ c: id, t: now, i: reviewId }]), u, MAX_REPLAY + 1),
  ]);
  if (!read) return problem(401, "session_expired");
  const [, , , [card], [session], later] = read.map((r) => r.results);
  if (!card) return problem(404, "not_found");
  if (sessionId && !session) return problem(404, "not_found");
  if (sessionId && session.finished_at !== null) return problem(409, "session_finished");
  if (sessionId && !JSON.parse(session.card_ids).includes(id)) return problem(409, "card_not_in_session");
  if (later.length > 0) return problem(501, "replay_not_in_baseline");

  const before = {
    state: card.state,
    due: card.due,
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    last_review: card.last_review,
    suspended: flag(card.suspended),
    buried_until: card.buried_until,
    leech: flag(card.leech),
  };
  const { card: next, log } = scheduler.next(
    {
      due: new Date(card.due),
      stability: card.stability,
      difficulty: card.difficulty,
      elapsed_days: card.elapsed_days,
      scheduled_days: card.scheduled_days,
      learning_steps: card.learning_steps,
      reps: card.reps,
      lapses: card.lapses,
      state: card.state,
      last_review: card.last_review === null ? undefined : new Date(card.last_review),
    },
    new Date(now),
    RATINGS[input.rating],
  );
  const becomesLeech = !before.leech && next.lapses > before.lapses && next.lapses >= LEECH_THRESHOLD;
  const after = {
    ...before,
    state: next.state,
    due: next.due.getTime(),
    stability: next.stability,
    difficulty: next.difficulty,
    elapsed_days: next.elapsed_days,
    scheduled_days: next.scheduled_days,
    learning_steps: next.learning_steps,
    reps: next.reps,
    lapses: next.lapses,
    last_review: next.last_review ? next.last_review.getTime() : null,
    buried_until: null,
    ...(becomesLeech ? { leech: true } : {}),
  };
  const review = {
    id: reviewId,
    user_id: u,
    flashcard_id: id,
    session_id: sessionId,
    rating: log.rating,
    state: log.state,
    due: log.due.getTime(),
    stability: log.stability,
    difficulty: log.difficulty,
    elapsed_days: log.elapsed_days,
    last_elapsed_days: log.last_elapsed_days,
    scheduled_days: log.scheduled_days,
    learning_steps: log.learning_steps,
    next_due: after.due,
    duration_ms: input.duration_ms ?? null,
    reviewed_at: now,
  };
  for (const column of STUDY_COLUMNS) review[`before_${column}`] = before[column];
  const leechTag = becomesLeech
    ? [
        env.DB.prepare(SQL.leechTag).bind(
          crypto.randomUUID(),
          u,
          "leech",
          "leech",
          now,
          JSON.stringify([{ id, v: card.version }]),
          u,
          20,
        ),
        env.DB.prepare(SQL.leechLink).bind(JSON.stringify([{ id, v: card.version }]), u, u, "leech", 20),
      ]
    : [];
  const write = await gatedBatch(env, auth, now, [
    ...leechTag,
    env.DB.prepare(SQL.reviewInsert).bind(JSON.stringify([{ ...review, v: card.version }]), u),
    env.DB.prepare(SQL.reviewUpdate).bind(JSON.stringify([{ id, ...after, v: card.version }]), u),
  ]);
  if (!write) return problem(401, "session_expired");
  const updated = write.at(-1).results[0];
  if (!updated) return problem(409, "review_conflict");
  // The tags as read (a leech tag joins them when this review made the card a leech).
  const tags = JSON.parse(Object.values(card).at(-1));
  if (becomesLeech && !tags.includes("leech") && tags.length < 20) tags.push("leech");
  const response = json({
    flashcard: cardJson({ ...updated, tags: JSON.stringify(tags) }),
    review: reviewJson(review),
  });
  response.headers.set("ETag", `"${updated.version}"`);
  return response;
}

/** The scope check of a deck (no tags): 404 when the deck is not the caller's. */
const deckCheck = (env, u, deckId) => env.DB.prepare(DECK_SQL.scopeCheck).bind(deckId, u, "[]", u);

/** GET /api/v1/decks: every deck with path and counts, by path. */
async function listDecks(env, auth, now) {
  const u = auth.userId;
  const results = await readBatch(env, auth, now, [env.DB.prepare(DECK_SQL.decks).bind(u, u, now, u)]);
  if (!results) return problem(401, "session_expired");
  return json({
    data: results[0].results.map((row) => ({
      id: row.id,
      name: row.name,
      parent_id: row.parent_id,
      path: row.path,
      description: row.description,
      counts: { cards: row.cards, new: row.new, due: row.due, suspended: row.suspended },
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    })),
  });
}

/** GET /api/v1/flashcards?deck_id=: the first page of a deck and its subdecks, newest first. */
async function listDeckCards(env, auth, now, url, deckId) {
  const limit = Number(url.searchParams.get("limit") ?? PAGE_DEFAULT);
  const u = auth.userId;
  // The capped count picks the plan through each statement's LIMIT (THEN narrow, ELSE wide).
  const page = (sql, narrow, wide) =>
    env.DB.prepare(sql).bind(u, deckId, u, u, deckId, u, NARROW_SCOPE_CARDS, NARROW_SCOPE_CARDS, narrow, wide);
  const results = await readBatch(env, auth, now, [
    page(DECK_SQL.deckListWalk, 0, limit + 1),
    deckCheck(env, u, deckId),
    page(DECK_SQL.deckListScope, limit + 1, 0),
  ]);
  if (!results) return problem(401, "session_expired");
  if (!results[1].results[0]?.deck_found) return problem(404, "not_found");
  const rows = results[2].results.length > 0 ? results[2].results : results[0].results;
  const hasMore = rows.length > limit;
  const shown = hasMore ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  const nextCursor =
    hasMore && last
      ? await encodeCursor({ k: "flashcards:created_at:desc", v: last.created_at, id: last.id }, env.JWT_SECRET)
      : null;
  return json({ data: shown.map(cardJson), pagination: { limit, next_cursor: nextCursor, has_more: hasMore } });
}

/**
 * GET /api/v1/study/queue[?deck_id=&limit=]: due cards (within today's review allowance), then new cards
 * up to the daily limit, with counts; a deck's queue is its subtree's cards within the user's limits.
 * The bench users have no settings row: the row is read (as the app does) and the defaults apply.
 */
async function studyQueue(env, auth, now, url, deckId) {
  const limit = Number(url.searchParams.get("limit") ?? PAGE_DEFAULT);
  const u = auth.userId;
  const hour = 3_600_000;
  const dayStart = Math.floor((now - DAY_STARTS_AT * hour) / DAY_MS) * DAY_MS + DAY_STARTS_AT * hour;
  const newLimit = Math.min(limit, NEW_CARDS_PER_DAY);
  const cards = deckId
    ? [
        env.DB.prepare(DECK_SQL.deckQueueDue).bind(u, deckId, u, now, now, limit),
        env.DB.prepare(DECK_SQL.deckQueueNew).bind(u, deckId, u, now, now, newLimit),
        env.DB.prepare(DECK_SQL.deckQueueDueCount).bind(u, deckId, u, now, now),
        env.DB.prepare(DECK_SQL.deckQueueLearningCount).bind(u, deckId, u, now, now),
        env.DB.prepare(DECK_SQL.deckQueueNewCount).bind(u, deckId, u, now, now, NEW_CARDS_PER_DAY),
      ]
    : [
        env.DB.prepare(SQL.queueDue).bind(u, now, now, limit),
        env.DB.prepare(SQL.queueNew).bind(u, now, now, newLimit),
        env.DB.prepare(SQL.queueDueCount).bind(u, now, now),
        env.DB.prepare(SQL.queueLearningCount).bind(u, now, now),
        env.DB.prepare(SQL.queueNewCount).bind(u, now, now, NEW_CARDS_PER_DAY),
      ];
  const results = await readBatch(env, auth, now, [
    env.DB.prepare(DECK_SQL.settings).bind(u),
    ...cards,
    env.DB.prepare(DECK_SQL.queueIntroducedToday).bind(u, dayStart),
    env.DB.prepare(DECK_SQL.queueReviewedToday).bind(u, dayStart),
    ...(deckId ? [deckCheck(env, u, deckId)] : []),
  ]);
  if (!results) return problem(401, "session_expired");
  const [, due, fresh, dueCount, learningCount, newCount, introduced, reviewed, check] = results.map((r) => r.results);
  if (deckId && !check[0]?.deck_found) return problem(404, "not_found");
  const count = (rows) => Object.values(rows[0] ?? {})[0] ?? 0;
  const reviewsAllowed = Math.max(0, REVIEWS_PER_DAY - (count(reviewed) - count(introduced)));
  const offeredDue = due.slice(0, reviewsAllowed);
  const availableNew = Math.min(count(newCount), Math.max(0, NEW_CARDS_PER_DAY - count(introduced)));
  const room = Math.max(0, limit - offeredDue.length);
  return json({
    data: [...offeredDue, ...fresh.slice(0, Math.min(room, availableNew))].map(cardJson),
    counts: { due: count(dueCount), new: availableNew, learning: count(learningCount) },
  });
}

/** Bench-only: seed statements, row counts and query plans through this worker's D1 binding. */
async function benchRoute(request, env, url) {
  if (request.headers.get("x-bench-secret") !== env.JWT_SECRET) return problem(403, "forbidden");
  if (url.pathname === "/__bench/seed" && request.method === "POST") {
    const { statements } = await request.json();
    await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
    return json({ ok: true, statements: statements.length });
  }
  if (url.pathname === "/__bench/sql") return json(ENDPOINT_SQL);
  if (url.pathname === "/__bench/counts") {
    const row = await env.DB.prepare(
      "select (select count(*) from flashcards where user_id = ?1) as cards, (select count(*) from review_logs where user_id = ?1) as logs",
    )
      .bind(url.searchParams.get("user"))
      .first();
    return json(row);
  }
  if (url.pathname === "/__bench/plans") {
    const { userId, now, q, missing, short } = await request.json();
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    // Each search plan's statements (the one that does not run still pays for its capped count).
    const searchPlans = (name, term) => {
      const gate = [SEARCH_FTS_CAP, phrase(term), SEARCH_FTS_CAP + 1];
      return {
        [`${name}: FTS drives`]: [SQL.searchFts, [phrase(term), SEARCH_FTS_CAP, ...gate, userId, 21]],
        [`${name}: walk`]: [SQL.searchWalk, [userId, SEARCH_WINDOW, ...gate, phrase(term), 21]],
        [`${name}: window end`]: [SQL.searchWindowEnd, [userId, SEARCH_WINDOW, ...gate, SEARCH_WINDOW - 1]],
      };
    };
    const queries = {
      list: [SQL.list, [userId, 21]],
      ...searchPlans("search", q),
      ...searchPlans("search, no match", missing),
      "search, 2 characters: walk": [SQL.shortWalk, [userId, SEARCH_WINDOW, contains(short), contains(short), 21]],
      "search, 2 characters: window end": [SQL.shortWindowEnd, [userId, SEARCH_WINDOW, SEARCH_WINDOW - 1]],
      queueDue: [SQL.queueDue, [userId, now, now, 20]],
      queueNew: [SQL.queueNew, [userId, now, now, 20]],
      queueDueCount: [SQL.queueDueCount, [userId, now, now]],
      queueLearningCount: [SQL.queueLearningCount, [userId, now, now]],
      queueNewCount: [SQL.queueNewCount, [userId, now, now, 20]],
      queueIntroducedToday: [DECK_SQL.queueIntroducedToday, [userId, dayStart]],
      queueReviewedToday: [DECK_SQL.queueReviewedToday, [userId, dayStart]],
    };
    const plans = {};
    for (const [name, [sql, params]] of Object.entries(queries)) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all();
      // D1 reports each statement's execution time (meta.duration, ms; the median of 5 runs) and the
      // rows it read (meta.rows_read, what D1 bills reads by).
      const runs = [];
      for (let i = 0; i < 5; i++)
        runs.push(
          (
            await env.DB.prepare(sql)
              .bind(...params)
              .all()
          ).meta,
        );
      runs.sort((a, b) => a.duration - b.duration);
      plans[name] = {
        plan: results.map((r) => r.detail).join(" | "),
        ms: runs[2].duration,
        rowsRead: runs[2].rows_read,
      };
    }
    return json(plans);
  }
  return problem(404, "not_found");
}

const CARD_PATH = /^\/api\/v1\/flashcards\/([0-9a-f-]{36})$/;
const REVIEW_PATH = /^\/api\/v1\/flashcards\/([0-9a-f-]{36})\/reviews$/;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/health") return json({ status: "ok" });
    if (path.startsWith("/__bench/")) return benchRoute(request, env, url);
    const auth = await verifyToken(request.headers.get("authorization"), env.JWT_SECRET);
    if (!auth) return problem(401, "unauthorized");
    const now = Date.now();
    const method = request.method;
    const deckId = url.searchParams.get("deck_id");
    if (path === "/api/v1/decks" && method === "GET") return listDecks(env, auth, now);
    if (path === "/api/v1/flashcards" && method === "GET" && deckId) return listDeckCards(env, auth, now, url, deckId);
    if (path === "/api/v1/flashcards") {
      if (method === "GET") return listCards(env, auth, now, url);
      if (method === "POST") return createCards(env, auth, now, request);
    }
    if (path === "/api/v1/study/queue" && method === "GET") return studyQueue(env, auth, now, url, deckId);
    if (path === "/api/v1/sync/changes" && method === "GET") return listChanges(env, auth, now, url);
    let match = CARD_PATH.exec(path);
    if (match && method === "GET") return getCard(env, auth, now, match[1]);
    match = REVIEW_PATH.exec(path);
    if (match && method === "POST") return reviewCard(env, auth, now, match[1], request);
    return problem(404, "route_not_found");
  },
};
