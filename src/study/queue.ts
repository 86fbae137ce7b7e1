/**
 * The study queue: due cards first (most overdue first), then new cards up to the daily limit.
 * Shared by GET /study/queue and POST /study-sessions.
 */
import { and, asc, count, eq, gte, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { assertScopeFound, cardScopeCheck, cardScopeConditions, scopeNamesSomething } from "../db/card-scope";
import type { Db } from "../db/client";
import { type FlashcardView, flashcardColumns } from "../db/projections";
import { flashcards, reviewLogs } from "../db/schema";
import { slot, statementTemplate, statementTemplates } from "../db/statement-template";
import type { CardScope } from "../lib/card-scope-params";
import type { AuthedDeps } from "../lib/deps";
import { learnerDay } from "../lib/zoned-days";
import { dayClockOf, type StudySettings } from "./settings";
import { batchWithSettings } from "./user-settings";

/** The cards to study now (due first, then new) and the queue's counts. */
export type StudyQueue = {
  cards: FlashcardView[];
  counts: { due: number; new: number; learning: number };
};

/** What the queue depends on besides the user: the instant, the page size and the learner's limits. */
export type QueueParams = {
  now: number;
  limit: number;
  /** Start of the learner's current day (their zone and day start). */
  dayStart: number;
  newCardsPerDay: number;
  reviewsPerDay: number;
  /**
   * Only cards of this deck (with its subdecks) and/or carrying these tags. The daily limits stay the
   * user's: what was introduced and reviewed today counts whatever the deck (decks plan §8).
   */
  scope: CardScope;
};

/** The queue's parameters for a learner's settings at `now`. */
export const queueParams = (
  settings: StudySettings,
  now: number,
  limit: number,
  scope: CardScope = {},
): QueueParams => ({
  now,
  limit,
  dayStart: learnerDay(now, dayClockOf(settings)).start,
  newCardsPerDay: settings.newCardsPerDay,
  reviewsPerDay: settings.reviewsPerDay,
  scope,
});

/**
 * Cards the queue may offer at `now`: not suspended, not buried until later. `suspended = 0` is a
 * literal for the same reason the state filters are.
 */
export const offeredAt = (now: number) =>
  sql`${flashcards.suspended} = 0 AND (${flashcards.buriedUntil} IS NULL OR ${flashcards.buriedUntil} <= ${now})`;

/**
 * A new card rescheduled to a later date waits for it. The unary `+` keeps SQLite from choosing the
 * `(user_id, due)` index for new cards (every card is due since creation): the new-card index stays.
 */
const newCardDueBy = (now: number) => sql`+${flashcards.due} <= ${now}`;

/**
 * The card conditions of a queue: the user, the scope, and the state. In a deck the due cards are
 * `state IN (1, 2, 3)` (the same cards as `<> 0`, the CHECK allows 0–3): an IN list lets the deck
 * index `(deck_id, state, due)` seek each state's due range, where `<> 0` could use only `deck_id`.
 * Without a deck the literal `<> 0` must stay, written as in the partial index's WHERE clause.
 */
export function queueConditions(userId: string, scope: CardScope) {
  const scoped = cardScopeConditions(userId, scope);
  // Unscoped, the SQL stays exactly what it was (the benchmark's baseline runs the same text). Scoped,
  // the unary `+` keeps SQLite off the user's indexes: walking every due card of the user in due order
  // until 20 of the deck turn up reads the whole collection for a small deck, while the deck's (or the
  // tag's) own cards are bounded by the scope (test/deck-plans.test.ts, 100,000 cards).
  const user =
    scoped.length > 0 ? and(sql`+${flashcards.userId} = ${userId}`, ...scoped) : eq(flashcards.userId, userId);
  const due = scope.deckId ? sql`${flashcards.state} IN (1, 2, 3)` : sql`${flashcards.state} <> 0`;
  return { user, due, fresh: sql`${flashcards.state} = 0` };
}

/** What a queue's statements bind: per request, or slots in a template. */
type QueueBinds = {
  userId: string;
  now: number;
  limit: number;
  /** The new-card page: `min(limit, newCardsPerDay)`. */
  newLimit: number;
  newCardsPerDay: number;
  dayStart: number;
  scope: CardScope;
};

/**
 * The queue's statements (see `buildQueueStatements`). `state <> 0` and `state = 0` are SQL literals
 * written exactly as in the partial indexes' WHERE clauses: SQLite matches a partial index on the text,
 * and a bound parameter would not match.
 */
function queueStatements(db: Db, { userId, now, limit, newLimit, newCardsPerDay, dayStart, scope }: QueueBinds) {
  const { user, due, fresh } = queueConditions(userId, scope);
  const offered = offeredAt(now);
  const isDue = and(user, due, lte(flashcards.due, now), offered);
  const isNew = and(user, fresh, offered, newCardDueBy(now));
  return [
    db
      .select(flashcardColumns)
      .from(flashcards)
      .where(isDue)
      .orderBy(asc(flashcards.due), asc(flashcards.id))
      .limit(limit),
    db
      .select(flashcardColumns)
      .from(flashcards)
      .where(isNew)
      .orderBy(asc(flashcards.createdAt), asc(flashcards.id))
      .limit(newLimit),
    // Unscoped, on the offered-due index alone (suspended cards are not in it, buried_until is in its key).
    db.select({ n: count() }).from(flashcards).where(isDue),
    db
      .select({ n: count() })
      .from(flashcards)
      .where(and(user, sql`${flashcards.state} IN (1, 3)`, lte(flashcards.due, now), offered)),
    // Only up to the daily limit matters: counting stops there instead of walking every new card.
    db
      .select({ n: count() })
      .from(db.select({ one: sql`1` }).from(flashcards).where(isNew).limit(newCardsPerDay).as("capped")),
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, userId), gte(reviewLogs.reviewedAt, dayStart), sql`${reviewLogs.state} = 0`)),
    // Every review today; minus the first reviews above, the reviews counted against reviews_per_day.
    db
      .select({ n: count() })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.userId, userId), gte(reviewLogs.reviewedAt, dayStart))),
  ] as const;
}

const bindsOf = (userId: string, params: QueueParams): QueueBinds => ({
  userId,
  now: params.now,
  limit: params.limit,
  newLimit: Math.min(params.limit, params.newCardsPerDay),
  newCardsPerDay: params.newCardsPerDay,
  dayStart: params.dayStart,
  scope: params.scope,
});

/** The queue's statements for one user at one instant, built by drizzle (exported so a test can EXPLAIN them). */
export const buildQueueStatements = (db: Db, userId: string, params: QueueParams) =>
  queueStatements(db, bindsOf(userId, params));

type QueueTemplate = (db: Db, values: Record<string, unknown>) => ReturnType<typeof queueStatements>;
/** The queue's templates by scope shape (no scope, a deck with or without subdecks, no deck). */
const queueTemplates = new Map<string, QueueTemplate>();

/**
 * The queue's statements through a template built once per isolate per scope shape (#19: drizzle spent
 * about 0.5 ms per request building the 7 statements); the same SQL and values as
 * `buildQueueStatements` (test/statement-template.test.ts). A tag scope is built per request: its key
 * ranges are computed from each tag's name.
 */
export function templatedQueueStatements(db: Db, userId: string, params: QueueParams) {
  const { scope } = params;
  if (scope.tags?.length) return buildQueueStatements(db, userId, params);
  const key = `${scope.deckId ? "deck" : "all"}:${scope.subdecks}:${scope.noDeck}`;
  let template = queueTemplates.get(key);
  if (!template) {
    template = statementTemplates((t: Db) =>
      queueStatements(t, {
        userId: slot("userId"),
        now: slot<number>("now"),
        limit: slot<number>("limit"),
        newLimit: slot<number>("newLimit"),
        newCardsPerDay: slot<number>("newCardsPerDay"),
        dayStart: slot<number>("dayStart"),
        scope: { ...scope, deckId: scope.deckId === undefined ? undefined : slot("deckId") },
      }),
    );
    queueTemplates.set(key, template);
  }
  return template(db, { ...bindsOf(userId, params), deckId: scope.deckId });
}

/** The scope check of a deck without tags, built once per isolate (a tag list is built per request). */
const deckCheckTemplate = statementTemplate((db: Db) => cardScopeCheck(db, slot("userId"), { deckId: slot("deckId") }));
const scopeCheck = (db: Db, userId: string, scope: CardScope) =>
  scope.tags?.length ? cardScopeCheck(db, userId, scope) : deckCheckTemplate(db, { userId, deckId: scope.deckId });

/**
 * Reads the queue in one round trip (two after a settings change in another isolate). `alongside`
 * statements (e.g. the insert of a study session) are built for the same settings and run in the same
 * batch, after the reads; their results are returned as `extra`.
 */
export async function readStudyQueue(
  deps: AuthedDeps,
  { limit, scope = {} }: { limit: number; scope?: CardScope },
  alongside: (params: QueueParams, settings: StudySettings) => BatchItem<"sqlite">[] = () => [],
): Promise<StudyQueue & { extra: unknown[]; settings: StudySettings }> {
  const { db, auth, now } = deps;
  // A named deck or tag is checked in the same batch (404 when it is not the caller's).
  const checked = scopeNamesSomething(scope);
  const { settings, results } = await batchWithSettings(deps, (guess) => {
    const params = queueParams(guess, now, limit, scope);
    return [
      ...templatedQueueStatements(db, auth.userId, params),
      ...(checked ? [scopeCheck(db, auth.userId, scope)] : []),
      ...alongside(params, guess),
    ];
  });
  const [dueCards, newCards, [dueCount], [learningCount], [newCount], [introducedToday], [reviewedToday], ...rest] =
    results as unknown as [
      FlashcardView[],
      FlashcardView[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      { n: number }[],
      ...unknown[],
    ];
  if (checked) assertScopeFound((rest.shift() as { deck_found: number; missing_tag: number | null }[])[0], scope);
  const extra = rest;

  const introduced = introducedToday?.n ?? 0;
  const reviewsAllowed = Math.max(0, settings.reviewsPerDay - ((reviewedToday?.n ?? 0) - introduced));
  const offeredDue = dueCards.slice(0, reviewsAllowed);
  const newAllowed = Math.max(0, settings.newCardsPerDay - introduced);
  const availableNew = Math.min(newCount?.n ?? 0, newAllowed);
  const room = Math.max(0, limit - offeredDue.length);
  return {
    cards: [...offeredDue, ...newCards.slice(0, Math.min(room, availableNew))],
    counts: { due: dueCount?.n ?? 0, new: availableNew, learning: learningCount?.n ?? 0 },
    extra,
    settings,
  };
}

/**
 * The ids `readStudyQueue` puts in the queue, computed by SQLite itself as a JSON array, in the same
 * order (due first within today's review allowance, then new within the room left and today's new-card
 * allowance). A study session stores it in the same batch that reads the queue: one round trip instead
 * of read-then-insert.
 */
export function plannedCardIdsSql(userId: string, params: QueueParams) {
  const { now, limit, dayStart, newCardsPerDay, reviewsPerDay } = params;
  const introducedToday = sql`SELECT count(*) FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${userId} AND ${reviewLogs.reviewedAt} >= ${dayStart} AND ${reviewLogs.state} = 0`;
  const reviewedToday = sql`SELECT count(*) FROM ${reviewLogs} WHERE ${reviewLogs.userId} = ${userId} AND ${reviewLogs.reviewedAt} >= ${dayStart}`;
  const dueRoom = sql`max(0, min(${limit}, ${reviewsPerDay} - ((${reviewedToday}) - (${introducedToday}))))`;
  const { user, due, fresh } = queueConditions(userId, params.scope);
  const offered = offeredAt(now);
  const dueIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${user} AND ${due} AND ${flashcards.due} <= ${now} AND ${offered} ORDER BY ${flashcards.due}, ${flashcards.id} LIMIT ${dueRoom}`;
  const newRoom = sql`max(0, min(${limit} - (SELECT count(*) FROM (${dueIds})), ${newCardsPerDay} - (${introducedToday})))`;
  const newIds = sql`SELECT ${flashcards.id} FROM ${flashcards} WHERE ${user} AND ${fresh} AND ${offered} AND ${newCardDueBy(now)} ORDER BY ${flashcards.createdAt}, ${flashcards.id} LIMIT ${newRoom}`;
  return sql<string>`(SELECT json_group_array(id) FROM (SELECT id FROM (${dueIds}) UNION ALL SELECT id FROM (${newIds})))`;
}
