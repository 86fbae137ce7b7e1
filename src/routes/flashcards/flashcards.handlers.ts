/**
 * Flashcards: bulk create (from AI proposals or by hand), list/search/page, read, edit, delete.
 * Every statement is scoped by the caller and runs behind the session gate in one D1 batch.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { causeMessages } from "../../db/d1-errors";
import { generationGate, isGenerationNotFound } from "../../db/generation-gate";
import { ofUser, ownedBy } from "../../db/ownership";
import { flashcardColumns } from "../../db/projections";
import { flashcards, generations } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { conflict, notFound } from "../../lib/errors";
import { frontKey } from "../../lib/front-key";
import { type KeysetPosition, keyset } from "../../lib/keyset";
import type { Pagination } from "../../lib/params";
import { type FlashcardJson, toFlashcardJson } from "./flashcard-view";
import type {
  CreateFlashcardsInput,
  FlashcardSort,
  ListFlashcardsQuery,
  UpdateFlashcardInput,
} from "./flashcards.schemas";

/**
 * A new card's FSRS state as SQL literals. drizzle binds a parameter for every column it is not given
 * SQL for (defaults included), so literals keep each row at its 6 client-derived parameters.
 */
const NEW_CARD_STATE_SQL = {
  state: sql`0`,
  stability: sql`0`,
  difficulty: sql`0`,
  elapsedDays: sql`0`,
  scheduledDays: sql`0`,
  learningSteps: sql`0`,
  reps: sql`0`,
  lapses: sql`0`,
  lastReview: sql`NULL`,
  version: sql`0`,
};

/** Bound parameters per inserted row (id, user_id, generation_id, front, front_key, back, source). */
const BOUND_PER_ROW = 7;
/** D1 allows 100 bound parameters per statement. */
const ROWS_PER_INSERT = Math.floor(100 / BOUND_PER_ROW);

/**
 * Creates 1..100 flashcards in one D1 batch (one transaction): ownership of every generation is
 * checked by the generation gate, the inserts are chunked under D1's parameter limit, and each
 * generation's acceptance counters grow by its ai-full / ai-edited cards. All or nothing.
 * @throws ApiError 404 naming a missing or foreign generation; 409 `acceptance_exceeds_proposals`.
 */
export async function createFlashcards(deps: AuthedDeps, input: CreateFlashcardsInput): Promise<FlashcardJson[]> {
  const { db, auth, now } = deps;
  // Timestamps are our own integers, inlined so each row binds only its 7 client-derived values.
  const nowSql = sql.raw(String(Math.trunc(now)));
  const rows = input.flashcards.map((card) => ({
    id: crypto.randomUUID(),
    userId: auth.userId,
    generationId: card.source === "manual" ? null : (card.generation_id ?? null),
    front: card.front,
    frontKey: frontKey(card.front),
    back: card.back,
    source: card.source,
  }));

  const accepted = new Map<string, { full: number; edited: number }>();
  for (const row of rows) {
    if (!row.generationId) continue;
    const counts = accepted.get(row.generationId) ?? { full: 0, edited: 0 };
    if (row.source === "ai-full") counts.full++;
    else counts.edited++;
    accepted.set(row.generationId, counts);
  }

  const statements: BatchItem<"sqlite">[] = [];
  for (const generationId of accepted.keys()) statements.push(generationGate(db, auth.userId, generationId));
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT).map((row) => ({
      ...row,
      ...NEW_CARD_STATE_SQL,
      createdAt: nowSql,
      updatedAt: nowSql,
      due: nowSql,
    }));
    statements.push(db.insert(flashcards).values(chunk));
  }
  for (const [generationId, counts] of accepted) {
    statements.push(
      db
        .update(generations)
        .set({
          acceptedUneditedCount: sql`${generations.acceptedUneditedCount} + ${counts.full}`,
          acceptedEditedCount: sql`${generations.acceptedEditedCount} + ${counts.edited}`,
          updatedAt: now,
        })
        .where(ownedBy(generations, generationId, auth.userId)),
    );
  }

  try {
    await authedBatch(db, auth, now, statements);
  } catch (error) {
    if (isGenerationNotFound(error))
      throw notFound("generation", await findMissingGeneration(deps, [...accepted.keys()]));
    if (causeMessages(error).some((m) => m.includes("generations_accepted_within_generated"))) {
      throw conflict("More cards were accepted than the generation proposed.", "acceptance_exceeds_proposals");
    }
    throw error;
  }

  return rows.map((row) =>
    toFlashcardJson({
      ...row,
      createdAt: now,
      updatedAt: now,
      state: 0,
      due: now,
      stability: 0,
      difficulty: 0,
      elapsedDays: 0,
      scheduledDays: 0,
      learningSteps: 0,
      reps: 0,
      lapses: 0,
      lastReview: null,
    }),
  );
}

/** Error path only: which of the requested generations the caller does not own (the first one). */
async function findMissingGeneration(deps: AuthedDeps, ids: string[]): Promise<string | undefined> {
  if (ids.length === 1) return ids[0];
  // One JSON parameter, not one per id: up to 100 ids plus the user would pass D1's 100-parameter cap.
  const owned = await deps.db
    .select({ id: generations.id })
    .from(generations)
    .where(
      and(
        ofUser(generations, deps.auth.userId),
        sql`${generations.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  const ownedIds = new Set(owned.map((row) => row.id));
  return ids.find((id) => !ownedIds.has(id));
}

const SORT_COLUMNS = {
  created_at: { column: flashcards.createdAt, of: (row: FlashcardJsonSource) => row.createdAt },
  updated_at: { column: flashcards.updatedAt, of: (row: FlashcardJsonSource) => row.updatedAt },
  due: { column: flashcards.due, of: (row: FlashcardJsonSource) => row.due },
} as const;

type FlashcardJsonSource = { id: string; createdAt: number; updatedAt: number; due: number };

/** The pager of one sort and order: a cursor stays valid only for the sort and order it was issued for. */
const flashcardPages = (sort: FlashcardSort, order: "asc" | "desc") =>
  keyset<FlashcardJsonSource>({
    scope: `flashcards:${sort}:${order}`,
    key: SORT_COLUMNS[sort].column,
    id: flashcards.id,
    order,
    keyOf: SORT_COLUMNS[sort].of,
    mismatch: "The cursor belongs to another sort or order; keep them the same while paging.",
  });

/** An FTS5 query matching `text` as one literal phrase: no FTS syntax from the client is interpreted. */
export const ftsPhrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** Builds the list query (exported so a test can EXPLAIN it). */
export function buildListQuery(db: Db, userId: string, query: ListFlashcardsQuery, after?: KeysetPosition) {
  const pages = flashcardPages(query.sort, query.order);
  const conditions = [ofUser(flashcards, userId)];
  if (query.source) conditions.push(eq(flashcards.source, query.source));
  if (query.generation_id) conditions.push(eq(flashcards.generationId, query.generation_id));
  if (query.q) {
    conditions.push(
      sql`${flashcards}.rowid IN (SELECT rowid FROM flashcards_fts WHERE flashcards_fts MATCH ${ftsPhrase(query.q)})`,
    );
  }
  return db
    .select(flashcardColumns)
    .from(flashcards)
    .where(and(...conditions, pages.after(after)))
    .orderBy(...pages.orderBy)
    .limit(query.limit + 1);
}

/**
 * Lists the caller's flashcards: filters, full-text search, sort, keyset paging. One round trip.
 * @throws ApiError 400 `invalid_cursor` for a forged cursor or one from another sort/order.
 */
export async function listFlashcards(
  deps: AuthedDeps,
  query: ListFlashcardsQuery,
): Promise<{ data: FlashcardJson[]; pagination: Pagination }> {
  const pages = flashcardPages(query.sort, query.order);
  const after = await pages.open(query.cursor, deps.config.jwtSecret);
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    buildListQuery(deps.db, deps.auth.userId, query, after),
  ]);
  const { page, pagination } = await pages.page(rows, query.limit, deps.config.jwtSecret, after);
  return { data: page.map(toFlashcardJson), pagination };
}

/**
 * Reads one of the caller's flashcards. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getFlashcard(deps: AuthedDeps, id: string): Promise<FlashcardJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select(flashcardColumns)
      .from(flashcards)
      .where(ownedBy(flashcards, id, deps.auth.userId)),
  ]);
  const card = rows[0];
  if (!card) throw notFound("flashcard", id);
  return toFlashcardJson(card);
}

/**
 * Edits front and/or back. An `ai-full` card whose text actually changes becomes `ai-edited`;
 * `updated_at` moves. One round trip (UPDATE … RETURNING).
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function updateFlashcard(
  deps: AuthedDeps,
  id: string,
  patch: UpdateFlashcardInput,
): Promise<FlashcardJson> {
  const front = patch.front ?? null;
  const back = patch.back ?? null;
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .update(flashcards)
      .set({
        front: sql`coalesce(${front}, ${flashcards.front})`,
        frontKey: sql`coalesce(${front === null ? null : frontKey(front)}, ${flashcards.frontKey})`,
        back: sql`coalesce(${back}, ${flashcards.back})`,
        // SET expressions see the old row: compare before overwriting.
        source: sql`CASE WHEN ${flashcards.source} = 'ai-full' AND (coalesce(${front}, ${flashcards.front}) <> ${flashcards.front} OR coalesce(${back}, ${flashcards.back}) <> ${flashcards.back}) THEN 'ai-edited' ELSE ${flashcards.source} END`,
        updatedAt: deps.now,
      })
      .where(ownedBy(flashcards, id, deps.auth.userId))
      .returning(flashcardColumns),
  ]);
  const card = rows[0];
  if (!card) throw notFound("flashcard", id);
  return toFlashcardJson(card);
}

/**
 * Deletes one of the caller's flashcards (its review history goes with it). One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function deleteFlashcard(deps: AuthedDeps, id: string): Promise<void> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .delete(flashcards)
      .where(ownedBy(flashcards, id, deps.auth.userId))
      .returning({ id: flashcards.id }),
  ]);
  if (rows.length === 0) throw notFound("flashcard", id);
}
