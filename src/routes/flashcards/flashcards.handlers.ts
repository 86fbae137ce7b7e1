/**
 * Flashcards: bulk create (from AI proposals or by hand), list/search/page, read, edit, delete.
 * Every statement is scoped by the caller and runs behind the session gate in one D1 batch.
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as z from "zod";
import type { Db } from "../../db/client";
import { causeMessages } from "../../db/d1-errors";
import { generationGate, isGenerationNotFound } from "../../db/generation-gate";
import { type FlashcardRow, flashcards, generations } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthContext, Config } from "../../env";
import { decodeCursor, encodeCursor, invalidCursor } from "../../lib/cursor";
import { conflict, notFound } from "../../lib/errors";
import { frontKey } from "../../lib/front-key";
import type { Pagination } from "../../lib/paging";
import { type FlashcardJson, flashcardColumns, toFlashcardJson } from "./flashcard-view";
import type {
  CreateFlashcardsInput,
  FlashcardSort,
  ListFlashcardsQuery,
  UpdateFlashcardInput,
} from "./flashcards.schemas";

/** What every flashcards handler needs. */
export type FlashcardDeps = { db: Db; config: Config; now: number; auth: AuthContext };

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
export async function createFlashcards(deps: FlashcardDeps, input: CreateFlashcardsInput): Promise<FlashcardJson[]> {
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
        .where(and(eq(generations.id, generationId), eq(generations.userId, auth.userId))),
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
async function findMissingGeneration(deps: FlashcardDeps, ids: string[]): Promise<string | undefined> {
  if (ids.length === 1) return ids[0];
  // One JSON parameter, not one per id: up to 100 ids plus the user would pass D1's 100-parameter cap.
  const owned = await deps.db
    .select({ id: generations.id })
    .from(generations)
    .where(
      and(
        eq(generations.userId, deps.auth.userId),
        sql`${generations.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  const ownedIds = new Set(owned.map((row) => row.id));
  return ids.find((id) => !ownedIds.has(id));
}

const SORT_COLUMNS = {
  created_at: flashcards.createdAt,
  updated_at: flashcards.updatedAt,
  due: flashcards.due,
} as const;

const cursorSchema = z.strictObject({
  s: z.enum(["created_at", "updated_at", "due"]),
  o: z.enum(["asc", "desc"]),
  v: z.number().int(),
  id: z.string().max(64),
});

/** An FTS5 query matching `text` as one literal phrase: no FTS syntax from the client is interpreted. */
export const ftsPhrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** Builds the list query (exported so a test can EXPLAIN it). */
export function buildListQuery(db: Db, userId: string, query: ListFlashcardsQuery, after?: { v: number; id: string }) {
  const column = SORT_COLUMNS[query.sort];
  const direction = query.order === "asc" ? asc : desc;
  const conditions = [eq(flashcards.userId, userId)];
  if (query.source) conditions.push(eq(flashcards.source, query.source));
  if (query.generation_id) conditions.push(eq(flashcards.generationId, query.generation_id));
  if (query.q) {
    conditions.push(
      sql`${flashcards}.rowid IN (SELECT rowid FROM flashcards_fts WHERE flashcards_fts MATCH ${ftsPhrase(query.q)})`,
    );
  }
  if (after) {
    // Row-value comparison: SQLite seeks the (user_id, column, id) index straight to the cursor.
    conditions.push(
      query.order === "asc"
        ? sql`(${column}, ${flashcards.id}) > (${after.v}, ${after.id})`
        : sql`(${column}, ${flashcards.id}) < (${after.v}, ${after.id})`,
    );
  }
  return db
    .select(flashcardColumns)
    .from(flashcards)
    .where(and(...conditions))
    .orderBy(direction(column), direction(flashcards.id))
    .limit(query.limit + 1);
}

/**
 * Lists the caller's flashcards: filters, full-text search, sort, keyset paging. One round trip.
 * @throws ApiError 400 `invalid_cursor` for a forged cursor or one from another sort/order.
 */
export async function listFlashcards(
  deps: FlashcardDeps,
  query: ListFlashcardsQuery,
): Promise<{ data: FlashcardJson[]; pagination: Pagination }> {
  let after: { v: number; id: string } | undefined;
  if (query.cursor) {
    const parsed = cursorSchema.safeParse(await decodeCursor(query.cursor, deps.config.jwtSecret));
    if (!parsed.success) throw invalidCursor();
    if (parsed.data.s !== query.sort || parsed.data.o !== query.order) {
      throw invalidCursor("The cursor belongs to another sort or order; keep them the same while paging.");
    }
    after = parsed.data;
  }
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    buildListQuery(deps.db, deps.auth.userId, query, after),
  ]);
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  const nextCursor =
    hasMore && last
      ? await encodeCursor(
          { s: query.sort, o: query.order, v: sortValue(last, query.sort), id: last.id },
          deps.config.jwtSecret,
        )
      : null;
  return {
    data: page.map(toFlashcardJson),
    pagination: { limit: query.limit, next_cursor: nextCursor, has_more: hasMore },
  };
}

const sortValue = (row: Pick<FlashcardRow, "createdAt" | "updatedAt" | "due">, sort: FlashcardSort) =>
  sort === "created_at" ? row.createdAt : sort === "updated_at" ? row.updatedAt : row.due;

const ownCard = (deps: FlashcardDeps, id: string) =>
  and(eq(flashcards.id, id), eq(flashcards.userId, deps.auth.userId));

/**
 * Reads one of the caller's flashcards. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getFlashcard(deps: FlashcardDeps, id: string): Promise<FlashcardJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.select(flashcardColumns).from(flashcards).where(ownCard(deps, id)),
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
  deps: FlashcardDeps,
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
      .where(ownCard(deps, id))
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
export async function deleteFlashcard(deps: FlashcardDeps, id: string): Promise<void> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db.delete(flashcards).where(ownCard(deps, id)).returning({ id: flashcards.id }),
  ]);
  if (rows.length === 0) throw notFound("flashcard", id);
}
