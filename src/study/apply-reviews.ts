/**
 * Applies reviews made at the client's time — one from POST /flashcards/:id/reviews, up to 500 from an
 * offline upload (POST /reviews/batch) — in at most three D1 round trips whatever their number:
 *
 * 1. read: the ids already stored, the cards and sessions named, and each card's history after its
 *    earliest new review (the reviews a late arrival has to be replayed before);
 * 2. compute: per card, new reviews and that later history in `(reviewed_at, id)` order, through ts-fsrs
 *    from the card's state (in order) or from the snapshot stored on the first later log (out of order);
 * 3. write: three set-based statements (one JSON parameter each), every row conditional on its card's
 *    version as read in step 1, so a card's reviews apply all together or not at all;
 * 4. only when a card lost a race: read its items' ids again — stored with the same payload means a
 *    concurrent twin of this upload applied them (`duplicate`), else `review_conflict`.
 *
 * Idempotency lives in the database (the review id is the log row's primary key), so a resend or two
 * identical uploads at once apply each review once.
 */
import { and, getTableColumns, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { MAX_TAGS_PER_CARD } from "../db/deck-rules";
import { ownedIn } from "../db/ownership";
import { cardTagsSql } from "../db/projections";
import { rawAll } from "../db/raw-statement";
import { type FlashcardRow, flashcards, type ReviewLogRow, reviewLogs, studySessions } from "../db/schema";
import { authedBatch } from "../db/session-gate";
import { columnPairs, fromSqlRow, toSqlRow } from "../db/sql-rows";
import { slot, statementTemplates } from "../db/statement-template";
import type { AuthedDeps } from "../lib/deps";
import { nameKey } from "../lib/name-key";
import { LEECH_TAG, leechTagStatements } from "./leech-tag";
import { restoredCard, SNAPSHOT_FIELDS, type StudySnapshot, snapshotOf } from "./pre-review-snapshot";
import {
  type FsrsColumns,
  fromFsrsCard,
  fromFsrsLog,
  GRADE,
  getScheduler,
  RATINGS,
  type RatingName,
  toFsrsCard,
} from "./scheduler";
import { resolveSettings, type StudySettings } from "./settings";
import { selectSettingsRow } from "./user-settings";

/** A review at most this far ahead of the server clock is accepted (device clocks drift). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** At most this many later reviews are replayed to place a late one; an older review is refused. */
export const MAX_REPLAY = 200;

/** One review as the client sent it (rating still unchecked: a bad one rejects only its item). */
export type ReviewSubmission = {
  id: string;
  flashcardId: string;
  rating: unknown;
  reviewedAt: number;
  durationMs: number | null;
  sessionId: string | null;
};

/** Why one review was not applied (an item code of the batch, or the error of a single review). */
export type RejectCode =
  | "card_not_found"
  | "session_not_found"
  | "invalid_rating"
  | "session_finished"
  | "card_not_in_session"
  | "review_in_future"
  | "id_reused"
  | "review_too_old"
  | "review_conflict";

/** A card row with everything a response needs. */
export type CardState = Omit<FlashcardRow, "userId"> & {
  /** JSON array of tag names, as `cardTagsSql` selects it (a review never changes them). */
  tags: string;
};

/** What became of one review: applied (or a duplicate of one) with the card and log, or rejected. */
export type ReviewOutcome =
  | { id: string; status: "applied" | "duplicate"; card: CardState; review: ReviewLogRow }
  | { id: string; status: "rejected"; code: RejectCode };

type Candidate = ReviewSubmission & { rating: RatingName; index: number };
type Position = { reviewedAt: number; id: string };

const before = (a: Position, b: Position) =>
  a.reviewedAt < b.reviewedAt || (a.reviewedAt === b.reviewedAt && a.id < b.id);
const byPosition = (a: Position, b: Position) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);
const isRating = (value: unknown): value is RatingName => RATINGS.includes(value as RatingName);

/** True when a stored log row records exactly this submission (so resending it is a duplicate). */
function samePayload(row: ReviewLogRow, item: ReviewSubmission): boolean {
  return (
    row.flashcardId === item.flashcardId &&
    isRating(item.rating) &&
    row.rating === GRADE[item.rating] &&
    row.reviewedAt === item.reviewedAt &&
    row.durationMs === item.durationMs &&
    row.sessionId === item.sessionId
  );
}

const cardColumns = (() => {
  const { userId: _owner, ...columns } = getTableColumns(flashcards);
  return { ...columns, tags: cardTagsSql() };
})();

/**
 * Round trip 1's statements, built once per isolate (#19: their SQL depends on nothing but the user and
 * four JSON lists): the settings row, the review ids among the caller's and other users' logs, the
 * cards with their tags, the sessions, and per card the latest MAX_REPLAY + 1 logs after its earliest
 * new review (usually none).
 */
const readStatements = statementTemplates(
  (db: Db) =>
    [
      selectSettingsRow(db, slot("userId")),
      db
        .select()
        .from(reviewLogs)
        .where(ownedIn(reviewLogs, slot("ids"), slot("userId"))),
      db
        .select({ id: reviewLogs.id })
        .from(reviewLogs)
        .where(
          and(
            ne(reviewLogs.userId, slot("userId")),
            sql`${reviewLogs.id} IN (SELECT value FROM json_each(${slot("ids")}))`,
          ),
        ),
      db
        .select(cardColumns)
        .from(flashcards)
        .where(ownedIn(flashcards, slot("cardIds"), slot("userId"))),
      db
        .select({ id: studySessions.id, finishedAt: studySessions.finishedAt, cardIds: studySessions.cardIds })
        .from(studySessions)
        .where(ownedIn(studySessions, slot("sessionIds"), slot("userId"))),
      rawAll(
        db,
        sql`
      SELECT * FROM (
        SELECT l.*, row_number() OVER (PARTITION BY l.flashcard_id ORDER BY l.reviewed_at DESC, l.id DESC) AS rn
        FROM json_each(${slot("windows")}) AS w
        JOIN review_logs AS l
          ON l.flashcard_id = w.value ->> '$.c'
         AND (l.reviewed_at, l.id) > (w.value ->> '$.t', w.value ->> '$.i')
        WHERE +l.user_id = ${slot("userId")}
      ) WHERE rn <= ${MAX_REPLAY + 1}`,
      ),
    ] as const,
);

/**
 * Applies the submissions and returns one outcome per submission, in the order given.
 * @throws ApiError 401 when the session ended (nothing applied); D1 failures propagate (nothing half-applied).
 */
export async function applyReviews(deps: AuthedDeps, items: ReviewSubmission[]): Promise<ReviewOutcome[]> {
  const { db, auth, now } = deps;
  const outcomes: Array<ReviewOutcome | undefined> = new Array(items.length);
  // Repeats of an id inside one upload follow the first occurrence (same payload) or are refused.
  const firstIndex = new Map<string, number>();
  const repeats: number[] = [];
  const candidates: Candidate[] = [];
  items.forEach((item, index) => {
    const first = firstIndex.get(item.id);
    if (first !== undefined) {
      repeats.push(index);
      return;
    }
    firstIndex.set(item.id, index);
    if (!isRating(item.rating)) outcomes[index] = reject(item.id, "invalid_rating");
    else if (item.reviewedAt > now + FUTURE_TOLERANCE_MS) outcomes[index] = reject(item.id, "review_in_future");
    else candidates.push({ ...item, rating: item.rating, index });
  });

  // Round trip 1: everything the computation needs, in one snapshot.
  const ids = JSON.stringify(candidates.map((c) => c.id));
  const cardIds = JSON.stringify([...new Set(candidates.map((c) => c.flashcardId))]);
  const sessionIds = JSON.stringify([...new Set(candidates.flatMap((c) => (c.sessionId ? [c.sessionId] : [])))]);
  const earliest = new Map<string, Position>();
  for (const c of [...candidates].sort(byPosition)) if (!earliest.has(c.flashcardId)) earliest.set(c.flashcardId, c);
  const windows = JSON.stringify([...earliest].map(([card, p]) => ({ c: card, t: p.reviewedAt, i: p.id })));
  const [settingsRows, ownRows, foreignRows, cardRows, sessionRows, laterRows] = await authedBatch(
    db,
    auth,
    now,
    readStatements(db, { userId: auth.userId, ids, cardIds, sessionIds, windows }),
  );

  const own = new Map(ownRows.map((row) => [row.id, row]));
  const foreign = new Set(foreignRows.map((row) => row.id));
  const cards = new Map(cardRows.map((card) => [card.id, card]));
  const sessions = new Map(sessionRows.map((s) => [s.id, s]));
  const later = new Map<string, ReviewLogRow[]>();
  for (const raw of laterRows) {
    const row = fromSqlRow(reviewLogs, raw);
    const list = later.get(row.flashcardId) ?? [];
    list.push(row);
    later.set(row.flashcardId, list);
  }

  const accepted = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const stored = own.get(c.id);
    const card = cards.get(c.flashcardId);
    if (stored) {
      outcomes[c.index] =
        samePayload(stored, c) && card
          ? { id: c.id, status: "duplicate", card, review: stored }
          : reject(c.id, "id_reused");
    } else if (foreign.has(c.id)) outcomes[c.index] = reject(c.id, "id_reused");
    else if (!card) outcomes[c.index] = reject(c.id, "card_not_found");
    else if (c.sessionId && !sessions.has(c.sessionId)) outcomes[c.index] = reject(c.id, "session_not_found");
    else if (c.sessionId && sessions.get(c.sessionId)?.finishedAt != null)
      outcomes[c.index] = reject(c.id, "session_finished");
    // A session's progress counts its planned cards only: a review of another card in it would be lost.
    else if (c.sessionId && !sessions.get(c.sessionId)?.cardIds.includes(c.flashcardId))
      outcomes[c.index] = reject(c.id, "card_not_in_session");
    else accepted.set(c.flashcardId, [...(accepted.get(c.flashcardId) ?? []), c]);
  }

  // Compute: per card, the new reviews merged into the later history, replayed with ts-fsrs.
  // The learner's own FSRS parameters, as in force now (also for a replay of older reviews).
  const settings = resolveSettings(settingsRows[0], deps.config);
  const scheduler = getScheduler(settings);
  const inserts: Array<ReviewLogRow & { v: number }> = [];
  const rewrites: Array<ReviewLogRow & { v: number }> = [];
  const cardUpdates: Array<StudySnapshot & { id: string; v: number }> = [];
  const newLeeches: Array<{ id: string; v: number }> = [];
  const plannedByCard = new Map<string, Candidate[]>();
  for (const [cardId, news] of accepted) {
    const card = cards.get(cardId) as CardState;
    const history = (later.get(cardId) ?? []).sort(byPosition);
    const oldestKnown = history[0];
    const lastManual = history.filter((row) => row.rating === 0).at(-1);
    const fine = news.sort(byPosition).filter((c) => {
      // Older than the replay window, or behind a manual entry (it set the state by hand): refused.
      const tooOld =
        (history.length > MAX_REPLAY && oldestKnown && before(c, oldestKnown)) || (lastManual && before(c, lastManual));
      if (tooOld) outcomes[c.index] = reject(c.id, "review_too_old");
      return !tooOld;
    });
    const first = fine[0];
    if (!first) continue;
    const displaced = history.filter((row) => before(first, row));
    let state: StudySnapshot | null = displaced[0] ? restoredCard(displaced[0]) : card;
    if (!state) {
      // The first later log predates snapshots: its previous state is unknown, so no replay from it.
      for (const c of fine) outcomes[c.index] = reject(c.id, "review_too_old");
      continue;
    }
    const merged: Array<{ kind: "new"; item: Candidate } | { kind: "old"; row: ReviewLogRow }> = [
      ...fine.map((item) => ({ kind: "new" as const, item })),
      ...displaced.map((row) => ({ kind: "old" as const, row })),
    ].sort((a, b) => byPosition(a.kind === "new" ? a.item : a.row, b.kind === "new" ? b.item : b.row));
    for (const entry of merged) {
      const at = entry.kind === "new" ? entry.item.reviewedAt : entry.row.reviewedAt;
      const grade = entry.kind === "new" ? GRADE[entry.item.rating] : (entry.row.rating as (typeof GRADE)[RatingName]);
      const { card: next, log } = scheduler.next(toFsrsCard(state), new Date(at), grade);
      const after = reviewedState(state, fromFsrsCard(next), settings);
      const logFields = {
        ...fromFsrsLog(log),
        nextDue: after.due,
        ...snapshotOf(state),
      };
      if (entry.kind === "new") {
        const { item } = entry;
        inserts.push({
          id: item.id,
          userId: auth.userId,
          flashcardId: cardId,
          sessionId: item.sessionId,
          durationMs: item.durationMs,
          reviewedAt: item.reviewedAt,
          ...logFields,
          v: card.version,
        });
      } else {
        rewrites.push({ ...entry.row, ...logFields, v: card.version });
      }
      state = after;
    }
    cardUpdates.push({ ...state, id: cardId, v: card.version });
    if (state.leech && !card.leech && settings.leechAction === "tag") newLeeches.push({ id: cardId, v: card.version });
    plannedByCard.set(cardId, fine);
  }

  if (cardUpdates.length > 0) {
    // Round trip 2: all or nothing per card (the card's version), one transaction for the upload.
    const updated = (await authedBatch(db, auth, now, [
      ...leechTagStatements(db, auth.userId, newLeeches, now),
      ...writeStatements(db, auth.userId, inserts, rewrites, cardUpdates),
    ])) as unknown as Array<Array<Record<string, unknown>>>;
    const applied = new Map(updated.at(-1)?.map((raw) => [String(raw.id), fromSqlRow(flashcards, raw)]) ?? []);
    const inserted = new Map(inserts.map((row) => [row.id, row]));
    const lost: Candidate[] = [];
    for (const [cardId, planned] of plannedByCard) {
      const card = applied.get(cardId);
      for (const c of planned) {
        if (card) {
          const { v: _version, ...review } = inserted.get(c.id) as ReviewLogRow & { v: number };
          // The write's RETURNING has the study columns; the tags are those read in round trip 1
          // (a review changes them only when it makes the card a leech: then `leech` joins them).
          const read = (cards.get(cardId) as CardState).tags;
          const tags = newLeeches.some((l) => l.id === cardId) ? withLeechTag(read) : read;
          outcomes[c.index] = { id: c.id, status: "applied", card: withoutOwner(card, tags), review };
        } else lost.push(c);
      }
    }
    if (lost.length > 0) await settleLostRace(deps, lost, outcomes);
  }

  for (const index of repeats) {
    const item = items[index] as ReviewSubmission;
    const first = items[firstIndex.get(item.id) as number] as ReviewSubmission;
    const firstOutcome = outcomes[firstIndex.get(item.id) as number] as ReviewOutcome;
    const same =
      first.flashcardId === item.flashcardId &&
      first.rating === item.rating &&
      first.reviewedAt === item.reviewedAt &&
      first.durationMs === item.durationMs &&
      first.sessionId === item.sessionId;
    outcomes[index] = !same
      ? reject(item.id, "id_reused")
      : firstOutcome.status === "rejected"
        ? firstOutcome
        : { ...firstOutcome, status: "duplicate" };
  }
  return outcomes as ReviewOutcome[];
}

const reject = (id: string, code: RejectCode): ReviewOutcome => ({ id, status: "rejected", code });

/**
 * The card after one review: ts-fsrs's new FSRS state, out of burial (a review shows it was studied),
 * and — when this review's lapse takes the card to the learner's threshold — a leech, suspended too if
 * the learner chose `suspend` (the `tag` action is a statement of the write batch).
 */
function reviewedState(before: StudySnapshot, fsrsAfter: FsrsColumns, settings: StudySettings): StudySnapshot {
  const becomesLeech = !before.leech && fsrsAfter.lapses > before.lapses && fsrsAfter.lapses >= settings.leechThreshold;
  return {
    ...before,
    ...fsrsAfter,
    buriedUntil: null,
    ...(becomesLeech ? { leech: true, suspended: before.suspended || settings.leechAction === "suspend" } : {}),
  };
}

/** A card's tag list (JSON text, as `cardTagsSql` selects it) with `leech` added if there is room. */
function withLeechTag(tagsJson: string): string {
  const names = JSON.parse(tagsJson) as string[];
  if (names.some((name) => nameKey(name) === LEECH_TAG) || names.length >= MAX_TAGS_PER_CARD) return tagsJson;
  return JSON.stringify([...names, LEECH_TAG]);
}

function withoutOwner(row: FlashcardRow, tags: string): CardState {
  const { userId: _owner, ...card } = row;
  return { ...card, tags };
}

const LOG_COLUMNS = columnPairs(reviewLogs).map(([, name]) => name);
// The study state a review writes is exactly what a snapshot keeps (undo restores the same columns).
const STUDY_COLUMNS = columnPairs(flashcards).filter(([key]) => key in SNAPSHOT_FIELDS);

/**
 * The write round trip: insert the new logs, rewrite the replayed later logs, update the cards — each
 * one statement over a JSON array, each row conditional on its card's expected version `v`. The card
 * update is last, so the two log statements judge the version as read. Returns the statements; the
 * last one's RETURNING rows are the cards that applied.
 */
function writeStatements(
  db: Db,
  userId: string,
  inserts: Array<ReviewLogRow & { v: number }>,
  rewrites: Array<ReviewLogRow & { v: number }>,
  cards: Array<StudySnapshot & { id: string; v: number }>,
) {
  const json = (rows: Array<Record<string, unknown>>) =>
    JSON.stringify(rows.map((row) => ({ ...toSqlRow(reviewLogs, row), v: row.v })));
  const field = (name: string) => sql.raw(`j.value ->> '$.${name}'`);
  const insertColumns = LOG_COLUMNS.filter((name) => name !== "user_id");
  const statements: BatchItem<"sqlite">[] = [
    rawAll(
      db,
      sql`
      INSERT INTO review_logs (user_id, ${sql.raw(insertColumns.join(", "))})
      SELECT f.user_id, ${sql.join(
        insertColumns.map((name) => field(name)),
        sql`, `,
      )}
      FROM json_each(${json(inserts)}) AS j
      JOIN flashcards AS f
        ON f.id = j.value ->> '$.flashcard_id' AND +f.user_id = ${userId} AND f.version = j.value ->> '$.v'`,
    ),
  ];
  if (rewrites.length > 0) {
    const rewritten = LOG_COLUMNS.filter(
      (name) => !["id", "user_id", "flashcard_id", "session_id", "duration_ms", "reviewed_at"].includes(name),
    );
    statements.push(
      rawAll(
        db,
        sql`
        UPDATE review_logs SET ${sql.raw(rewritten.map((name) => `${name} = j.value ->> '$.${name}'`).join(", "))}
        FROM json_each(${json(rewrites)}) AS j
        WHERE review_logs.id = j.value ->> '$.id' AND +review_logs.user_id = ${userId}
          AND EXISTS (SELECT 1 FROM flashcards AS f
                      WHERE f.id = review_logs.flashcard_id AND f.user_id = ${userId} AND f.version = j.value ->> '$.v')`,
      ),
    );
  }
  const cardJson = JSON.stringify(
    cards.map((card) => ({
      ...toSqlRow(flashcards, card as unknown as Record<string, unknown>),
      id: card.id,
      v: card.v,
    })),
  );
  statements.push(
    rawAll(
      db,
      sql`
      UPDATE flashcards SET ${sql.raw(STUDY_COLUMNS.map(([, name]) => `${name} = j.value ->> '$.${name}'`).join(", "))},
        version = flashcards.version + 1
      FROM json_each(${cardJson}) AS j
      WHERE flashcards.id = j.value ->> '$.id' AND +flashcards.user_id = ${userId} AND flashcards.version = j.value ->> '$.v'
      RETURNING ${sql.raw(
        columnPairs(flashcards)
          .map(([, name]) => name)
          .join(", "),
      )}`,
    ),
  );
  return statements;
}

/**
 * Round trip 3, only after a lost race: the items whose card changed under us. Stored now with the same
 * payload → a concurrent upload of the same reviews applied them: `duplicate`. Otherwise the card was
 * changed by another review: `review_conflict`, safe to resend.
 */
async function settleLostRace(deps: AuthedDeps, lost: Candidate[], outcomes: Array<ReviewOutcome | undefined>) {
  const { db, auth, now } = deps;
  const ids = JSON.stringify(lost.map((c) => c.id));
  const cardIds = JSON.stringify([...new Set(lost.map((c) => c.flashcardId))]);
  const [rows, cardRows] = await authedBatch(db, auth, now, [
    db
      .select()
      .from(reviewLogs)
      .where(ownedIn(reviewLogs, ids, auth.userId)),
    db
      .select(cardColumns)
      .from(flashcards)
      .where(ownedIn(flashcards, cardIds, auth.userId)),
  ]);
  const stored = new Map(rows.map((row) => [row.id, row]));
  const cards = new Map(cardRows.map((card) => [card.id, card]));
  for (const c of lost) {
    const row = stored.get(c.id);
    const card = cards.get(c.flashcardId);
    outcomes[c.index] =
      row && card && samePayload(row, c)
        ? { id: c.id, status: "duplicate", card, review: row }
        : reject(c.id, row ? "id_reused" : "review_conflict");
  }
}
