/**
 * Restores an account.json (format_version 1, see exports/account.schemas.ts) into the caller's
 * account, empty or not: decks merged by path, tags by key, cards with their study state, generations
 * and their error logs, study sessions, review logs with their pre-review snapshots, and the settings
 * when the caller has none. All or nothing, in two round trips like a text import: one read (the
 * caller's decks, the stored cards that could be duplicates, the cards restored before), one batch.
 *
 * Every id of the document is replaced (src/portability/remap-ids.ts) and every reference is joined in
 * SQL to a row **of the caller**: a review log whose card is not the caller's is not written, a session
 * or generation that is not the caller's becomes NULL. The document's own ids never reach SQL.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { distinctTags } from "../../db/card-tags";
import {
  type DeckLevel,
  deckResolver,
  deckStatements,
  importReads,
  importRecordStatements,
  jsonChunks,
  runImportBatch,
  tagStatements,
} from "../../db/import-writes";
import { ownedIn } from "../../db/ownership";
import { rawStatement } from "../../db/raw-statement";
import { flashcards, userSettings } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { malformedJson, notFound, tooManyCards, validationFailed } from "../../lib/errors";
import { frontKey } from "../../lib/front-key";
import { nameKey } from "../../lib/name-key";
import { toIso } from "../../lib/time";
import { toFieldErrors } from "../../lib/validation";
import { decodeUtf8 } from "../../portability/decode-text";
import { type RemappedKind, remapIds } from "../../portability/remap-ids";
import { SNAPSHOT_SQL_COLUMNS } from "../../study/pre-review-snapshot";
import {
  ACCOUNT_RATINGS,
  type AccountDocument,
  type AccountStudy,
  accountDocumentSchema,
} from "../exports/account.schemas";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { toImportJson } from "./imports.handlers";
import type { ImportQuery, ImportResult } from "./imports.schemas";

/** Cards per request: the same bound as a text import's rows (a bigger account is sent in parts). */
export const MAX_ACCOUNT_CARDS = 5_000;

/**
 * Decodes, parses and validates the document. The bytes and the parsed JSON are not kept: only the
 * validated copy leaves this function (memory: a 20 MB body must fit in 128 MB several times over).
 * @throws ApiError 400 `invalid_encoding`, `malformed_json`, `too_many_rows` (over 5,000 cards),
 *   `validation_failed` (field paths such as `cards.12.study.due`).
 */
function readDocument(bytes: ArrayBuffer): AccountDocument {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes));
  } catch (error) {
    if (error instanceof SyntaxError) throw malformedJson();
    throw error;
  }
  const cards = (json as { cards?: unknown } | null)?.cards;
  if (Array.isArray(cards) && cards.length > MAX_ACCOUNT_CARDS) throw tooManyCards(cards.length, MAX_ACCOUNT_CARDS);
  const result = accountDocumentSchema.safeParse(json);
  if (!result.success) {
    const { errors, omitted } = toFieldErrors(result.error.issues, "json");
    throw validationFailed(errors, "The account document is invalid.", omitted);
  }
  return result.data;
}

/** Every (kind, id) the document names, its own ids and its references alike. */
function* idsOf(doc: AccountDocument): Generator<readonly [RemappedKind, string]> {
  for (const card of doc.cards) {
    yield ["card", card.id];
    if (card.generation_id !== null) yield ["generation", card.generation_id];
  }
  for (const generation of doc.generations) yield ["generation", generation.id];
  for (const log of doc.generation_error_logs) yield ["error_log", log.id];
  for (const session of doc.study_sessions) {
    yield ["session", session.id];
    for (const id of session.card_ids) yield ["card", id];
  }
  for (const log of doc.review_logs) {
    yield ["review_log", log.id];
    yield ["card", log.flashcard_id];
    if (log.session_id !== null) yield ["session", log.session_id];
  }
}

const levelsOf = (path: string): DeckLevel[] => path.split("::").map((name) => ({ name, key: nameKey(name) }));
const ms = (iso: string) => Date.parse(iso);
const msOrNull = (iso: string | null) => (iso === null ? null : Date.parse(iso));
const stateNumber = (state: AccountStudy["state"]) => STUDY_STATES.indexOf(state);

/**
 * A card's study columns as SQL values, keyed by their `flashcards` column names: exactly the fields of
 * the pre-review snapshot (src/study/pre-review-snapshot.ts), so the card INSERT and the review logs'
 * `before_*` columns are both derived from that one list.
 */
const studyColumns = (study: AccountStudy): Record<StudyColumn, number | null> => ({
  state: stateNumber(study.state),
  due: ms(study.due),
  stability: study.stability,
  difficulty: study.difficulty,
  elapsed_days: study.elapsed_days,
  scheduled_days: study.scheduled_days,
  learning_steps: study.learning_steps,
  reps: study.reps,
  lapses: study.lapses,
  last_review: msOrNull(study.last_review),
  suspended: study.suspended ? 1 : 0,
  buried_until: msOrNull(study.buried_until),
  leech: study.leech ? 1 : 0,
});
type StudyColumn = (typeof SNAPSHOT_SQL_COLUMNS)[number]["card"];

/** `<column> , …` and `j.value->>'$.<path>.<column>', …` for the study columns, from the snapshot's list. */
const STUDY_COLUMN_LIST = sql.raw(SNAPSHOT_SQL_COLUMNS.map((c) => c.card).join(", "));
const BEFORE_COLUMN_LIST = sql.raw(SNAPSHOT_SQL_COLUMNS.map((c) => c.log).join(", "));
const studyValues = (path: string) =>
  sql.raw(SNAPSHOT_SQL_COLUMNS.map((c) => `j.value->>'$.${path}${c.card}'`).join(", "));

/**
 * Restores one account.json (or one part of a split one). `dry_run` stops after the read.
 * @throws ApiError 400 (see readDocument); 404 for a `deck_id` that is not the caller's or a deck
 *   deleted while importing; 409 `deck_limit_reached`.
 */
export async function importAccount(
  deps: AuthedDeps,
  input: { bytes: ArrayBuffer; query: ImportQuery },
): Promise<{ status: 200 | 201; body: ImportResult }> {
  const { db, auth, now } = deps;
  const { query } = input;
  const doc = readDocument(input.bytes);
  const remap = await remapIds(auth.userId, idsOf(doc));
  const cards = doc.cards.map((card) => ({
    card,
    id: remap("card", card.id),
    frontKey: frontKey(card.front),
    tags: card.tags.map((name) => ({ name, key: nameKey(name) })),
  }));

  // Round trip 1: the caller's decks, their stored cards with the document's front keys, and which of
  // the document's cards are restored already (a part or a document sent again).
  const [deckRows, stored, restored] = await authedBatch(db, auth, now, [
    ...importReads(
      db,
      auth.userId,
      cards.map((c) => c.frontKey),
    ),
    db
      .select({ id: flashcards.id })
      .from(flashcards)
      .where(ownedIn(flashcards, JSON.stringify(cards.map((c) => c.id)), auth.userId)),
  ]);
  if (query.deck_id && !deckRows.some((deck) => deck.id === query.deck_id)) throw notFound("deck", query.deck_id);

  // Decks by path, parents first (so each created deck gets its own description and creation time).
  const deckPlan = deckResolver(deckRows, query.deck_id ?? null);
  const documentDecks = [...doc.decks].sort((a, b) => levelsOf(a.path).length - levelsOf(b.path).length);
  for (const deck of documentDecks) {
    deckPlan.resolve(levelsOf(deck.path), { description: deck.description, createdAt: ms(deck.created_at) });
  }

  // Skipped: cards restored before, and with duplicates=skip a card whose front key matches a card
  // stored in its deck before this request (not an earlier card of the document: an account may hold
  // such pairs, and a restore keeps them).
  const storedKeys = new Set(stored.map((card) => `${card.deckId ?? ""}/${card.frontKey}`));
  const restoredIds = new Set(restored.map((card) => card.id));
  const writes: ((typeof cards)[number] & { deckId: string | null })[] = [];
  let skipped = 0;
  for (const entry of cards) {
    const deckId = entry.card.deck_path ? deckPlan.resolve(levelsOf(entry.card.deck_path)) : (query.deck_id ?? null);
    const duplicate = query.duplicates === "skip" && storedKeys.has(`${deckId ?? ""}/${entry.frontKey}`);
    if (restoredIds.has(entry.id) || duplicate) skipped++;
    else writes.push({ ...entry, deckId });
  }

  // The generations' decks (#17), resolved with the cards' before the deck statements are built.
  const generationDecks = doc.generations.map((g) => (g.deck_path ? deckPlan.resolve(levelsOf(g.deck_path)) : null));

  const summary = {
    format: "account-json" as const,
    dry_run: query.dry_run,
    duplicates: query.duplicates,
    target_deck_id: query.deck_id ?? null,
    total_rows: doc.cards.length,
    rejected: 0,
    decks_created: deckPlan.created.length,
    warnings: [],
    created_at: toIso(now),
  };
  if (query.dry_run) {
    return {
      status: 200,
      body: {
        import: { id: null, ...summary, created: writes.length, skipped_duplicates: skipped },
        rejected_rows: [],
      },
    };
  }

  const userId = auth.userId;
  const statements: BatchItem<"sqlite">[] = deckStatements(db, userId, now, deckPlan);

  // Generations and their error logs, before the cards that name them. A row whose id exists is skipped.
  for (const chunk of jsonChunks(
    doc.generations.map((g, i) => ({
      id: remap("generation", g.id),
      model: g.model,
      hash: g.source_text_hash,
      length: g.source_text_length,
      generated: g.generated_count,
      unedited: g.accepted_unedited_count,
      edited: g.accepted_edited_count,
      duration: g.duration_ms,
      at: ms(g.created_at),
      // The deck and tags accepted cards inherit (#17): the deck by path like the cards', tags by key.
      deck: generationDecks[i] ?? null,
      tags: g.tags.length > 0 ? JSON.stringify(distinctTags(g.tags)) : null,
    })),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO generations (id, user_id, model, source_text_hash, source_text_length, generated_count,
          accepted_unedited_count, accepted_edited_count, duration_ms, created_at, updated_at, deck_id, tags)
        SELECT j.value->>'id', ${userId}, j.value->>'model', j.value->>'hash', j.value->>'length', j.value->>'generated',
          j.value->>'unedited', j.value->>'edited', j.value->>'duration', j.value->>'at', ${now}, j.value->>'deck',
          j.value->>'tags'
        FROM json_each(${chunk}) AS j
        WHERE NOT EXISTS (SELECT 1 FROM generations AS g WHERE g.id = j.value->>'id')`,
      ),
    );
  }
  // Their proposals' hashes (what the acceptance gate checks), only for the caller's generations.
  for (const chunk of jsonChunks(
    doc.generations.flatMap((g) =>
      g.proposals.map((p) => ({
        generation: remap("generation", g.id),
        index: p.index,
        hash: p.text_hash,
        accepted_at: msOrNull(p.accepted_at),
      })),
    ),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO generation_proposals (generation_id, proposal_index, user_id, text_hash, accepted_at)
        SELECT g.id, j.value->>'index', ${userId}, j.value->>'hash', j.value->>'accepted_at'
        FROM json_each(${chunk}) AS j
        CROSS JOIN generations AS g
        WHERE g.id = j.value->>'generation' AND g.user_id = ${userId}
          AND NOT EXISTS (SELECT 1 FROM generation_proposals AS p
            WHERE p.generation_id = g.id AND p.proposal_index = j.value->>'index')`,
      ),
    );
  }
  for (const chunk of jsonChunks(
    doc.generation_error_logs.map((log) => ({
      id: remap("error_log", log.id),
      model: log.model,
      hash: log.source_text_hash,
      length: log.source_text_length,
      code: log.error_code,
      message: log.error_message,
      at: ms(log.created_at),
    })),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO generation_error_logs (id, user_id, model, source_text_hash, source_text_length, error_code,
          error_message, created_at)
        SELECT j.value->>'id', ${userId}, j.value->>'model', j.value->>'hash', j.value->>'length', j.value->>'code',
          j.value->>'message', j.value->>'at'
        FROM json_each(${chunk}) AS j
        WHERE NOT EXISTS (SELECT 1 FROM generation_error_logs AS e WHERE e.id = j.value->>'id')`,
      ),
    );
  }

  // Cards. The duplicate check is repeated in SQL (a card written meanwhile), leaving out the cards of
  // this document; a generation that is not the caller's becomes NULL.
  const writtenIds = JSON.stringify(writes.map((entry) => entry.id));
  for (const chunk of jsonChunks(
    writes.map(({ card, id, deckId, frontKey: key }) => ({
      id,
      generation_id: card.generation_id === null ? null : remap("generation", card.generation_id),
      deck_id: deckId,
      front: card.front,
      front_key: key,
      back: card.back,
      source: card.source,
      created_at: ms(card.created_at),
      updated_at: ms(card.updated_at),
      study: studyColumns(card.study),
    })),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO flashcards (id, user_id, generation_id, deck_id, front, front_key, back, source, created_at,
          updated_at, ${STUDY_COLUMN_LIST})
        SELECT j.value->>'id', ${userId},
          CASE WHEN EXISTS (SELECT 1 FROM generations AS g WHERE g.id = j.value->>'generation_id' AND g.user_id = ${userId})
            THEN j.value->>'generation_id' END,
          j.value->>'deck_id', j.value->>'front', j.value->>'front_key', j.value->>'back', j.value->>'source',
          j.value->>'created_at', j.value->>'updated_at', ${studyValues("study.")}
        FROM json_each(${chunk}) AS j
        WHERE NOT EXISTS (SELECT 1 FROM flashcards AS f WHERE f.id = j.value->>'id')
          AND (${query.duplicates} = 'allow' OR NOT EXISTS (
            SELECT 1 FROM flashcards AS f
            WHERE f.user_id = ${userId} AND f.front_key = j.value->>'front_key' AND f.deck_id IS j.value->>'deck_id'
              AND f.id NOT IN (SELECT value FROM json_each(${writtenIds}))))`,
      ),
    );
  }
  statements.push(...tagStatements(db, userId, now, writes));

  // Sessions, then the review logs that name them. A log is written only with its card, in this batch:
  // history is never added to a card restored before (its study state would not match it; an undone
  // review would come back), and never to another account's card.
  for (const chunk of jsonChunks(
    doc.study_sessions.map((session) => ({
      id: remap("session", session.id),
      card_ids: session.card_ids.map((id) => remap("card", id)),
      started_at: ms(session.started_at),
      finished_at: msOrNull(session.finished_at),
    })),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO study_sessions (id, user_id, card_ids, started_at, finished_at)
        SELECT j.value->>'id', ${userId}, j.value->>'card_ids', j.value->>'started_at', j.value->>'finished_at'
        FROM json_each(${chunk}) AS j
        WHERE NOT EXISTS (SELECT 1 FROM study_sessions AS s WHERE s.id = j.value->>'id')`,
      ),
    );
  }
  for (const chunk of jsonChunks(
    doc.review_logs.map((log) => {
      const before = log.card_before ? studyColumns(log.card_before) : null;
      return {
        id: remap("review_log", log.id),
        card: remap("card", log.flashcard_id),
        session: log.session_id === null ? null : remap("session", log.session_id),
        rating: ACCOUNT_RATINGS.indexOf(log.rating),
        state: stateNumber(log.state_before),
        due: ms(log.due_before),
        stability: log.stability,
        difficulty: log.difficulty,
        elapsed_days: log.elapsed_days,
        last_elapsed_days: log.last_elapsed_days,
        scheduled_days: log.scheduled_days,
        learning_steps: log.learning_steps,
        next_due: ms(log.next_due),
        duration_ms: log.duration_ms,
        reviewed_at: ms(log.reviewed_at),
        before,
      };
    }),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO review_logs (id, user_id, flashcard_id, session_id, rating, state, due, stability, difficulty,
          elapsed_days, last_elapsed_days, scheduled_days, learning_steps, next_due, duration_ms, reviewed_at,
          ${BEFORE_COLUMN_LIST})
        SELECT j.value->>'id', ${userId}, c.id,
          CASE WHEN EXISTS (SELECT 1 FROM study_sessions AS s WHERE s.id = j.value->>'session' AND s.user_id = ${userId})
            THEN j.value->>'session' END,
          j.value->>'rating', j.value->>'state', j.value->>'due', j.value->>'stability', j.value->>'difficulty',
          j.value->>'elapsed_days', j.value->>'last_elapsed_days', j.value->>'scheduled_days', j.value->>'learning_steps',
          j.value->>'next_due', j.value->>'duration_ms', j.value->>'reviewed_at', ${studyValues("before.")}
        FROM json_each(${chunk}) AS j
        CROSS JOIN flashcards AS c
        WHERE c.id = j.value->>'card' AND c.user_id = ${userId}
          AND c.id IN (SELECT value FROM json_each(${writtenIds}))
          AND NOT EXISTS (SELECT 1 FROM review_logs AS r WHERE r.id = j.value->>'id')`,
      ),
    );
  }

  // Settings only when the caller has none: the account's own choices win. A null member stays NULL
  // (the server's default); drizzle's json mode would store a JSON null as the text 'null'.
  if (doc.settings) {
    const s = doc.settings;
    const values = {
      timezone: s.timezone,
      dayStartsAt: s.day_starts_at,
      desiredRetention: s.desired_retention,
      maximumIntervalDays: s.maximum_interval_days,
      newCardsPerDay: s.new_cards_per_day,
      reviewsPerDay: s.reviews_per_day,
      learningSteps: s.learning_steps,
      relearningSteps: s.relearning_steps,
      enableFuzz: s.enable_fuzz,
      leechThreshold: s.leech_threshold,
      leechAction: s.leech_action,
      fsrsParameters: s.fsrs_parameters,
    };
    const set = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
    statements.push(
      db
        .insert(userSettings)
        .values({ ...set, userId, version: 1, updatedAt: now })
        .onConflictDoNothing({ target: userSettings.userId }),
    );
  }

  statements.push(
    ...importRecordStatements(db, {
      id: crypto.randomUUID(),
      userId,
      format: "account-json",
      targetDeckId: summary.target_deck_id,
      duplicates: query.duplicates,
      totalRows: doc.cards.length,
      considered: doc.cards.length,
      cardIds: writes.map((entry) => entry.id),
      rejected: 0,
      decksCreated: deckPlan.created.length,
      warnings: [],
      rejectedRows: [],
      now,
    }),
  );
  const record = await runImportBatch(deps, statements, query.deck_id);
  return { status: 201, body: { import: toImportJson(record), rejected_rows: [] } };
}
