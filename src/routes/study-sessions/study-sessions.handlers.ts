/**
 * Study sessions: a planned slice of the queue, progress while studying, results when finished.
 */
import { and, count, eq, isNull, min, sql, sum } from "drizzle-orm";
import type * as z from "zod";
import { cardScopeFound } from "../../db/card-scope";
import { ownedBy, ownerCheck } from "../../db/ownership";
import { flashcards, reviewLogs, studySessions, users } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { CardScope } from "../../lib/card-scope-params";
import type { AuthedDeps } from "../../lib/deps";
import { notFound, sessionFinished } from "../../lib/errors";
import { toIso } from "../../lib/time";
import { plannedCardIdsSql, type QueueParams, readStudyQueue } from "../../study/queue";
import type { StudySettings } from "../../study/settings";
import { settingsVersionIs } from "../../study/user-settings";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import type {
  CreateSessionInput,
  finishedSessionSchema,
  sessionProgressSchema,
  startedSessionSchema,
} from "./study-sessions.schemas";

const ownSession = (deps: AuthedDeps, id: string) => ownedBy(studySessions, id, deps.auth.userId);

/**
 * Starts a session with the queue as it is now, in one round trip: the batch reads the queue and
 * inserts the session, whose planned card ids SQLite computes from the same rows (plannedCardIdsSql).
 */
export async function startSession(
  deps: AuthedDeps,
  input: CreateSessionInput,
): Promise<z.infer<typeof startedSessionSchema>> {
  const { db, auth, now } = deps;
  const id = crypto.randomUUID();
  const scope: CardScope = { deckId: input.deck_id, tags: input.tags };
  // Built for the same (possibly guessed) settings as the queue read, and written only if they held.
  const insertSession = (params: QueueParams, settings: StudySettings) => [
    db.insert(studySessions).select(
      db
        .select({
          id: sql<string>`${id}`.as("id"),
          userId: users.id,
          cardIds: plannedCardIdsSql(auth.userId, params).as("card_ids"),
          startedAt: sql<number>`${now}`.as("started_at"),
          finishedAt: sql<null>`NULL`.as("finished_at"),
        })
        .from(users)
        // A foreign deck or tag inserts nothing (the queue's scope check answers 404).
        .where(
          and(
            eq(users.id, auth.userId),
            settingsVersionIs(auth.userId, settings.version),
            cardScopeFound(auth.userId, scope),
          ),
        ),
    ),
  ];
  const queue = await readStudyQueue(deps, { limit: input.limit, scope }, insertSession);
  return { session: { id, started_at: toIso(now), finished_at: null, cards: queue.cards.map(toFlashcardJson) } };
}

/** The session's planned cards reviewed at least once in it, and the session row. */
/** The session's card ids still in D1 (json_each: no 100-parameter IN list). */
const sessionCardIdsSql = (deps: AuthedDeps, id: string) =>
  sql`(SELECT value FROM json_each((SELECT card_ids FROM study_sessions WHERE id = ${id} AND user_id = ${deps.auth.userId})))`;

/**
 * The session row, its planned cards reviewed at least once in it, and which planned cards still
 * exist (a card deleted mid-session leaves the session: it can no longer be reviewed).
 */
function sessionProgressStatements(deps: AuthedDeps, id: string) {
  return [
    deps.db.select().from(studySessions).where(ownSession(deps, id)),
    deps.db
      .selectDistinct({ flashcardId: reviewLogs.flashcardId })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.sessionId, id), ownerCheck(reviewLogs, deps.auth.userId))),
    deps.db
      .select({ id: flashcards.id })
      .from(flashcards)
      .where(and(sql`${flashcards.id} IN ${sessionCardIdsSql(deps, id)}`, ownerCheck(flashcards, deps.auth.userId))),
  ] as const;
}

function progress(
  session: { id: string; cardIds: string[]; startedAt: number; finishedAt: number | null },
  reviewedIds: Set<string>,
  existingIds: Set<string>,
): z.infer<typeof sessionProgressSchema> {
  const cards = session.cardIds.filter((cardId) => existingIds.has(cardId));
  const remaining = cards.filter((cardId) => !reviewedIds.has(cardId));
  return {
    id: session.id,
    started_at: toIso(session.startedAt),
    finished_at: toIso(session.finishedAt),
    total: cards.length,
    reviewed: cards.length - remaining.length,
    remaining: remaining.length,
    cards_remaining: remaining,
  };
}

const idSet = (rows: { flashcardId: string }[] | { id: string }[]) =>
  new Set(rows.map((row) => ("flashcardId" in row ? row.flashcardId : row.id)));

/**
 * A session's progress: planned cards reviewed vs remaining. One round trip.
 * @throws ApiError 404 when the session is not the caller's.
 */
export async function getSession(deps: AuthedDeps, id: string) {
  const [sessions, reviewed, existing] = await authedBatch(
    deps.db,
    deps.auth,
    deps.now,
    sessionProgressStatements(deps, id),
  );
  const session = sessions[0];
  if (!session) throw notFound("study session", id);
  return progress(session, idSet(reviewed), idSet(existing));
}

/**
 * Finishes a session and returns its results, in one round trip: the conditional UPDATE decides
 * (only an open session finishes), the reads after it see the finished row.
 * @throws ApiError 404 when the session is not the caller's; 409 `session_finished` the second time.
 */
export async function finishSession(deps: AuthedDeps, id: string): Promise<z.infer<typeof finishedSessionSchema>> {
  const { db, auth, now } = deps;
  const [finished, sessions, reviewed, existing, [ratings], [nextDue]] = await authedBatch(db, auth, now, [
    db
      .update(studySessions)
      .set({ finishedAt: now })
      .where(and(ownSession(deps, id), isNull(studySessions.finishedAt)))
      .returning({ id: studySessions.id }),
    ...sessionProgressStatements(deps, id),
    db
      .select({
        reviewed: count(),
        again: sum(sql`${reviewLogs.rating} = 1`),
        hard: sum(sql`${reviewLogs.rating} = 2`),
        good: sum(sql`${reviewLogs.rating} = 3`),
        easy: sum(sql`${reviewLogs.rating} = 4`),
        durationMs: sum(reviewLogs.durationMs),
      })
      .from(reviewLogs)
      .where(and(eq(reviewLogs.sessionId, id), ownerCheck(reviewLogs, auth.userId))),
    // The session's card ids stay in D1 (json_each): no 100-parameter IN list.
    db
      .select({ due: min(flashcards.due) })
      .from(flashcards)
      .where(and(sql`${flashcards.id} IN ${sessionCardIdsSql(deps, id)}`, ownerCheck(flashcards, auth.userId))),
  ]);
  const session = sessions[0];
  if (!session) throw notFound("study session", id);
  if (finished.length === 0) throw sessionFinished();
  const total = (value: string | number | null | undefined) => Number(value ?? 0);
  return {
    session: progress(session, idSet(reviewed), idSet(existing)),
    results: {
      reviewed: ratings?.reviewed ?? 0,
      again: total(ratings?.again),
      hard: total(ratings?.hard),
      good: total(ratings?.good),
      easy: total(ratings?.easy),
      duration_ms: ratings?.durationMs != null ? Number(ratings.durationMs) : now - session.startedAt,
      next_due: toIso(nextDue?.due ?? null),
    },
  };
}
