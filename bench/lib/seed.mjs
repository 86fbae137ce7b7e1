/**
 * The seed: cards with realistic text, FSRS states and review history for a user, as literal SQL
 * INSERTs (no bound parameters; 100 rows, about 40 KB, per statement, under D1's 100 KB limit). The
 * runner executes them in D1 batches through the baseline's bench-only /__bench/seed route, on the
 * same local D1 the servers use (`wrangler d1 execute --file` gives the same rows but spends about
 * 80 s parsing 70 MB of SQL in JavaScript for 100,000 cards). The FTS5 index fills itself through
 * its triggers.
 *
 * The collection looks like a year of real use: the newest 20 % of cards are new (never reviewed);
 * 20 + 0.1 % of the cards are in (re)learning (they come from today's reviews, so they follow daily
 * activity rather than collection size); the rest are in review state, last reviewed somewhere inside
 * their interval (1–201 days), about 2 % of them overdue by up to 3 days. Each reviewed card has 1–3
 * review logs, and 10 cards were first reviewed today (so the daily new-card limit has something to
 * count). Due-now cards and today's reviews therefore grow with the collection, as they do for a
 * user who keeps up with a larger collection.
 */
import { CARD_COLUMNS, LOG_COLUMNS } from "./columns.mjs";
import { cardText, intIn, prng, uuid } from "./text.mjs";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_DAYS = 365;
const NEW_SHARE = 0.2;
const ROWS_PER_STATEMENT = 100;

/** A SQL literal for a string, number or null. */
const literal = (value) =>
  value === null ? "NULL" : typeof value === "number" ? String(value) : `'${value.replaceAll("'", "''")}'`;

/**
 * The FSRS state of card `i` of `n` (created at `created`), as of `now`. Cards of index ≥ 80 % of `n`
 * are new; the last 10 reviewed cards were introduced today.
 */
function studyState(rand, i, n, created, now) {
  const newFrom = Math.floor(n * (1 - NEW_SHARE));
  if (i >= newFrom) {
    return {
      state: 0,
      due: created,
      stability: 0,
      difficulty: 0,
      scheduledDays: 0,
      learningSteps: 0,
      reps: 0,
      lapses: 0,
      lastReview: null,
    };
  }
  if (i >= newFrom - 10) {
    // Introduced today: one review, still learning, due within the hour.
    const lastReview = now - intIn(rand, 1, 6) * HOUR;
    return {
      state: 1,
      due: lastReview + 10 * 60_000,
      stability: 2.3,
      difficulty: 5.1,
      scheduledDays: 0,
      learningSteps: 1,
      reps: 1,
      lapses: 0,
      lastReview,
    };
  }
  const roll = rand();
  const stability = Math.round((1 + rand() * 200) * 100) / 100;
  const difficulty = Math.round((1 + rand() * 9) * 100) / 100;
  const reps = intIn(rand, 1, 15);
  const lapses = Math.min(reps - 1, intIn(rand, 0, 3));
  // (Re)learning cards come from today's failed and new cards, so their number follows daily
  // activity, not collection size: about 20 + 0.1 % of the cards (21 of 1,000; 120 of 100,000).
  const learningShare = (20 + 0.001 * n) / (n * (1 - NEW_SHARE));
  if (roll < learningShare) {
    // Learning (1) or relearning (3), due within an hour either side of now, last reviewed before now:
    // a review history in the future would make the benchmark's reviews late ones, placed before it
    // and refused (409 review_too_old: the seeded logs carry no pre-review snapshot to replay from).
    const due = now + intIn(rand, -HOUR, HOUR);
    return {
      state: roll < learningShare * 0.65 ? 1 : 3,
      due,
      stability,
      difficulty,
      scheduledDays: 0,
      learningSteps: 1,
      reps,
      lapses,
      lastReview: Math.min(due - 10 * 60_000, now - 60_000),
    };
  }
  // Review state: last reviewed somewhere inside its interval; 2 % are overdue by up to 3 days.
  const scheduledDays = Math.max(1, Math.round(stability));
  const elapsed =
    rand() < 0.02 ? scheduledDays * DAY + intIn(rand, 0, 3 * DAY) : intIn(rand, 0, scheduledDays * DAY - HOUR);
  const lastReview = Math.max(created, now - elapsed);
  return {
    state: 2,
    due: lastReview + scheduledDays * DAY,
    stability,
    difficulty,
    scheduledDays,
    learningSteps: 0,
    reps,
    lapses,
    lastReview,
  };
}

/** The 1–3 review logs of a reviewed card, the newest at its `last_review`. */
function reviewLogs(rand, userId, card) {
  if (card.last_review === null) return [];
  const count = card.reps === 1 ? 1 : intIn(rand, 1, 3);
  const logs = [];
  let reviewedAt = card.last_review;
  for (let k = 0; k < count; k++) {
    const first = k === count - 1;
    logs.push({
      id: uuid(rand),
      user_id: userId,
      flashcard_id: card.id,
      session_id: null,
      rating: first ? 3 : intIn(rand, 1, 4),
      state: first ? 0 : 2,
      due: reviewedAt,
      stability: card.stability,
      difficulty: card.difficulty,
      elapsed_days: 0,
      last_elapsed_days: 0,
      scheduled_days: card.scheduled_days,
      learning_steps: 0,
      next_due: card.due,
      duration_ms: intIn(rand, 2_000, 30_000),
      reviewed_at: reviewedAt,
    });
    reviewedAt = Math.max(card.created_at, reviewedAt - intIn(rand, 1, 30) * DAY);
  }
  return logs;
}

/** The benchmarked deck and its subdecks: the first 5 decks of every layout. */
export const BENCH_DECK_SUBTREE = 5;
/** Cards in the benchmarked deck and its subdecks at every collection size (50 per deck). */
const BENCH_DECK_CARDS = 250;

/**
 * A deck layout of `count` decks for `userId`, in insertion order (parents first): deck 0 is the
 * benchmarked root "Bench" with decks 1–4 under it; the rest are roots each followed by up to 39
 * subdecks. Ids are UUIDs made from the user id's first 8 hex digits and the deck's index.
 */
export function deckLayout(userId, count, now) {
  const id = (j) => `${userId.slice(0, 8)}-0000-4000-8000-${String(j).padStart(12, "0")}`;
  const decks = [];
  for (let j = 0; j < count; j++) {
    const k = j - BENCH_DECK_SUBTREE;
    const parent = j === 0 ? null : j < BENCH_DECK_SUBTREE ? id(0) : k % 40 === 0 ? null : id(j - (k % 40));
    const name = j === 0 ? "Bench" : parent === null ? `Deck ${j}` : `Sub ${j}`;
    decks.push({
      id: id(j),
      user_id: userId,
      parent_id: parent,
      name,
      name_key: name.toLowerCase(),
      created_at: now,
      updated_at: now,
    });
  }
  return decks;
}

/** Literal INSERTs of a deck layout (the closure table fills itself through the decks' triggers). */
export const deckStatements = (decks) =>
  insertStatements("decks", ["id", "user_id", "parent_id", "name", "name_key", "created_at", "updated_at"], decks);

/**
 * The deck of card `i` of `n`: every (n / 250)-th card goes to the benchmarked subtree (its first 5
 * decks, in turn), so it holds 250 cards spread over the whole history at every size; the other cards
 * go round the other decks. None without decks.
 */
function deckOf(i, n, deckIds) {
  if (deckIds.length <= BENCH_DECK_SUBTREE) return deckIds.length > 0 ? deckIds[i % deckIds.length] : null;
  const every = Math.max(1, Math.floor(n / BENCH_DECK_CARDS));
  if (i % every === 0 && i / every < BENCH_DECK_CARDS) return deckIds[(i / every) % BENCH_DECK_SUBTREE];
  return deckIds[BENCH_DECK_SUBTREE + (i % (deckIds.length - BENCH_DECK_SUBTREE))];
}

/**
 * Generates `n` cards (oldest first) and their logs for `userId`, as row objects keyed by column, each
 * in a deck as `deckOf` places it.
 */
export function* generateCollection(userId, n, now, seed, deckIds = []) {
  const rand = prng(seed);
  const start = now - HISTORY_DAYS * DAY;
  const step = (HISTORY_DAYS * DAY - HOUR) / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    const created = Math.floor(start + i * step);
    const text = cardText(rand);
    const s = studyState(rand, i, n, created, now);
    const source = rand() < 0.6 ? "manual" : "ai-edited";
    const card = {
      id: uuid(rand),
      user_id: userId,
      generation_id: null,
      front: text.front,
      back: text.back,
      source,
      created_at: created,
      updated_at: created,
      state: s.state,
      due: s.due,
      stability: s.stability,
      difficulty: s.difficulty,
      elapsed_days: 0,
      scheduled_days: s.scheduledDays,
      learning_steps: s.learningSteps,
      reps: s.reps,
      lapses: s.lapses,
      last_review: s.lastReview,
      version: s.reps,
      deck_id: deckOf(i, n, deckIds),
    };
    yield { card, logs: reviewLogs(rand, userId, card) };
  }
}

/** Multi-row INSERTs of `rows` into `table`, ROWS_PER_STATEMENT rows each. */
function insertStatements(table, columns, rows) {
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const values = rows
      .slice(start, start + ROWS_PER_STATEMENT)
      .map((row) => `(${columns.map((c) => literal(row[c])).join(",")})`);
    statements.push(`INSERT INTO ${table} (${columns.join(",")}) VALUES\n${values.join(",\n")}`);
  }
  return statements;
}

/**
 * The seed as literal SQL statements: for every ROWS_PER_STATEMENT cards one multi-row INSERT into
 * flashcards, followed by the INSERTs of their review logs (after their cards, for the foreign key).
 * Calls `onCard(card)` for every card.
 */
export function* seedStatements(collection, onCard = () => {}) {
  let cards = [];
  let logs = [];
  const flush = function* () {
    yield* insertStatements("flashcards", CARD_COLUMNS, cards);
    yield* insertStatements("review_logs", LOG_COLUMNS, logs);
    cards = [];
    logs = [];
  };
  for (const { card, logs: cardLogs } of collection) {
    onCard(card);
    cards.push(card);
    logs.push(...cardLogs);
    if (cards.length === ROWS_PER_STATEMENT) yield* flush();
  }
  yield* flush();
}
