/**
 * Flashcards: bulk create (from AI proposals or by hand), list/search/page, read, edit, delete.
 * Every statement is scoped by the caller and runs behind the session gate in one D1 batch.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { assertScopeFound, cardScopeCheck, cardScopeConditions, scopeNamesSomething } from "../../db/card-scope";
import { searchStatements } from "../../db/card-search";
import { distinctTags, linkTags, unlinkTags, upsertTags } from "../../db/card-tags";
import type { Db } from "../../db/client";
import { causeMessages } from "../../db/d1-errors";
import { deckRuleError, isFlashcardNotFound } from "../../db/deck-rules";
import { isGenerationNotFound } from "../../db/generation-gate";
import { deckGate, flashcardGate, generationListGate } from "../../db/id-list-gates";
import { ofUser, ownedBy, ownedIn, ownerCheck } from "../../db/ownership";
import { cardTagsSql, type FlashcardView, flashcardColumns } from "../../db/projections";
import {
  type AcceptedProposal,
  acceptanceRuleBroken,
  proposalAcceptanceGate,
  proposalHash,
  readProposals,
} from "../../db/proposal-gate";
import { rawStatement } from "../../db/raw-statement";
import { flashcards, generations } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { slot, statementTemplate } from "../../db/statement-template";
import { isPreconditionFailed, versionGate } from "../../db/version-gate";
import type { CardScope } from "../../lib/card-scope-params";
import type { AuthedDeps } from "../../lib/deps";
import {
  conflict,
  type FieldError,
  notAProposal,
  notFound,
  preconditionFailed,
  proposalAlreadyAccepted,
} from "../../lib/errors";
import type { EntityTagCondition } from "../../lib/etag";
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
import { STUDY_STATES } from "./flashcards.schemas";

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
  suspended: sql`0`,
  buriedUntil: sql`NULL`,
  leech: sql`0`,
};

/** Bound parameters per inserted row (id, user_id, generation_id, front, front_key, back, source, deck_id). */
const BOUND_PER_ROW = 8;
/** D1 allows 100 bound parameters per statement. */
const ROWS_PER_INSERT = Math.floor(100 / BOUND_PER_ROW);

/**
 * The acceptance counters of every generation named, in one UPDATE: the increments travel as one JSON
 * object `{ generation id: [ai-full count, ai-edited count] }` (one statement for 100 generations, not 100).
 */
function acceptanceUpdate(deps: AuthedDeps, accepted: Map<string, { full: number; edited: number }>) {
  const increments = JSON.stringify(
    Object.fromEntries([...accepted].map(([id, counts]) => [id, [counts.full, counts.edited]])),
  );
  const increment = (index: 0 | 1) =>
    sql`(SELECT json_extract(j.value, ${`$[${index}]`}) FROM json_each(${increments}) AS j WHERE j.key = ${generations.id})`;
  return deps.db
    .update(generations)
    .set({
      acceptedUneditedCount: sql`${generations.acceptedUneditedCount} + ${increment(0)}`,
      acceptedEditedCount: sql`${generations.acceptedEditedCount} + ${increment(1)}`,
      updatedAt: deps.now,
    })
    .where(
      and(
        sql`${generations.id} IN (SELECT key FROM json_each(${increments}))`,
        ownerCheck(generations, deps.auth.userId),
      ),
    );
}

/**
 * Creates 1..100 flashcards in one D1 batch (one transaction): ownership of every generation and deck is
 * checked by the id-list gates (one statement each, however many are named), the inserts are chunked
 * under D1's parameter limit, each generation's acceptance counters grow by its ai-full / ai-edited
 * cards (one statement), and tags are created and linked (two statements). Every AI card names the
 * proposal it accepts (`proposal_index`); the acceptance gate (one statement) refuses a proposal that does
 * not exist, an `ai-full` text that is not the proposal's, and a proposal accepted before, and marks the
 * rest accepted (issue #12 item 3). Cards from a generation without their own deck_id / tags get the
 * generation's (issue #17: one UPDATE, two tag statements). All or nothing; at most
 * 1 + 1 + 1 + 9 + 1 + 2 + 3 + 1 = 19 statements besides the session gate.
 * @throws ApiError 404 naming a missing or foreign generation or deck; 400 `too_many_tags`;
 *   422 `not_a_proposal`; 409 `proposal_already_accepted`.
 */
export async function createFlashcards(deps: AuthedDeps, input: CreateFlashcardsInput): Promise<FlashcardJson[]> {
  const { db, auth, now } = deps;
  // Timestamps are our own integers, inlined so each row binds only its client-derived values.
  const nowSql = sql.raw(String(Math.trunc(now)));
  const rows = input.flashcards.map((card) => ({
    id: crypto.randomUUID(),
    userId: auth.userId,
    generationId: card.source === "manual" ? null : (card.generation_id ?? null),
    front: card.front,
    frontKey: frontKey(card.front),
    back: card.back,
    source: card.source,
    deckId: card.deck_id ?? null,
  }));
  const cardTags = input.flashcards.map((card) => distinctTags(card.tags ?? []));

  const accepted = new Map<string, { full: number; edited: number }>();
  for (const row of rows) {
    if (!row.generationId) continue;
    const counts = accepted.get(row.generationId) ?? { full: 0, edited: 0 };
    if (row.source === "ai-full") counts.full++;
    else counts.edited++;
    accepted.set(row.generationId, counts);
  }
  const deckIds = [...new Set(rows.map((row) => row.deckId).filter((id): id is string => id !== null))];
  const acceptedProposals = await acceptedProposalsOf(input);

  const statements: BatchItem<"sqlite">[] = [];
  if (accepted.size > 0) {
    statements.push(
      generationListGate(db, auth.userId, [...accepted.keys()]),
      proposalAcceptanceGate(
        db,
        auth.userId,
        acceptedProposals.map(({ item }) => item),
        now,
      ),
    );
  }
  if (deckIds.length > 0) statements.push(deckGate(db, auth.userId, deckIds));
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
  if (accepted.size > 0) statements.push(acceptanceUpdate(deps, accepted));
  const links = rows.flatMap((row, i) => (cardTags[i] ?? []).map(({ key }) => [row.id, key] as [string, string]));
  if (links.length > 0) {
    // The first spelling in the request wins for a new tag.
    const allTags = new Map<string, { name: string; key: string }>();
    for (const tag of cardTags.flat()) if (!allTags.has(tag.key)) allTags.set(tag.key, tag);
    statements.push(upsertTags(db, auth.userId, [...allTags.values()], now), linkTags(db, auth.userId, links));
  }
  // Cards from a generation without a deck_id / tags of their own get the generation's (issue #17).
  const inheritDeck = rows.filter((row, i) => row.generationId && input.flashcards[i]?.deck_id === undefined);
  const inheritTags = rows.filter((row, i) => row.generationId && input.flashcards[i]?.tags === undefined);
  if (inheritDeck.length > 0) statements.push(inheritGenerationDeck(db, auth.userId, inheritDeck));
  if (inheritTags.length > 0) statements.push(...inheritGenerationTags(db, auth.userId, inheritTags, now));
  const readBack = links.length > 0 || inheritDeck.length > 0 || inheritTags.length > 0;
  if (readBack) {
    // The deck and tag names as stored: an existing tag keeps its first spelling, inherited ones are known only here.
    statements.push(
      db
        .select({ id: flashcards.id, deckId: flashcards.deckId, tags: cardTagsSql() })
        .from(flashcards)
        .where(ownedIn(flashcards, JSON.stringify(rows.map((row) => row.id)), auth.userId)),
    );
  }

  let results: unknown[];
  try {
    results = (await authedBatch(db, auth, now, statements)) as unknown[];
  } catch (error) {
    if (isGenerationNotFound(error))
      throw notFound("generation", await findMissingGeneration(deps, [...accepted.keys()]));
    const broken = acceptanceRuleBroken(error);
    if (broken) throw await acceptanceError(deps, broken, acceptedProposals, [...accepted.keys()]);
    const ruleError = deckRuleError(error, deckIds.length === 1 ? deckIds[0] : undefined);
    if (ruleError) throw ruleError;
    if (causeMessages(error).some((m) => m.includes("generations_accepted_within_generated"))) {
      throw conflict("More cards were accepted than the generation proposed.", "acceptance_exceeds_proposals");
    }
    throw error;
  }
  const stored = new Map(
    readBack
      ? (results.at(-1) as { id: string; deckId: string | null; tags: string }[]).map((row) => [row.id, row])
      : [],
  );

  return rows.map((row) =>
    toFlashcardJson({
      ...row,
      deckId: stored.get(row.id)?.deckId ?? row.deckId,
      tags: stored.get(row.id)?.tags ?? "[]",
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
      suspended: false,
      buriedUntil: null,
      leech: false,
    }),
  );
}

/** A random version-4 UUID made by SQLite, for rows written by an INSERT … SELECT whose count JS does not know. */
const SQL_UUID = sql.raw(
  "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))",
);

/** The ids of `rows` as one JSON parameter. */
const idsJson = (rows: readonly { id: string }[]) => JSON.stringify(rows.map((row) => row.id));

/** Puts the new cards in their generation's deck (NULL when it has none). One statement. */
function inheritGenerationDeck(db: Db, userId: string, cards: readonly { id: string }[]) {
  return rawStatement(
    db,
    sql`UPDATE flashcards SET deck_id = (SELECT g.deck_id FROM generations AS g WHERE g.id = flashcards.generation_id AND g.user_id = ${userId})
        WHERE id IN (SELECT value FROM json_each(${idsJson(cards)})) AND +user_id = ${userId}`,
  );
}

/**
 * Gives the new cards their generation's tags: creates the tags the user does not have yet (an existing tag
 * keeps its spelling), then links them by key. Two statements, one JSON parameter of card ids each; the
 * generations' stored `[{name, key}]` lists are read in SQL, so no round trip is needed to learn them.
 */
function inheritGenerationTags(db: Db, userId: string, cards: readonly { id: string }[], now: number) {
  // Each card (by primary key), its generation, that generation's tags; CROSS JOIN keeps this order.
  const cardGenerationTags = (more = sql``) =>
    sql`FROM json_each(${idsJson(cards)}) AS j CROSS JOIN flashcards AS f CROSS JOIN generations AS g CROSS JOIN json_each(g.tags) AS t ${more}
        WHERE f.id = j.value AND f.user_id = ${userId} AND g.id = f.generation_id AND g.user_id = ${userId} AND g.tags IS NOT NULL`;
  return [
    rawStatement(
      db,
      sql`INSERT INTO tags (id, user_id, name, name_key, created_at)
          SELECT ${SQL_UUID}, ${userId}, t.value ->> '$.name', t.value ->> '$.key', ${now} ${cardGenerationTags()}
          ON CONFLICT DO NOTHING`,
    ),
    rawStatement(
      db,
      sql`INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id)
          SELECT f.id, tg.id, ${userId} ${cardGenerationTags(sql`CROSS JOIN tags AS tg`)}
            AND tg.user_id = ${userId} AND tg.name_key = t.value ->> '$.key'
          ON CONFLICT DO NOTHING`,
    ),
  ];
}

/** The proposals the request accepts, with each item's position in the request (for error paths). */
async function acceptedProposalsOf(input: CreateFlashcardsInput) {
  const out: { position: number; item: AcceptedProposal }[] = [];
  for (const [position, card] of input.flashcards.entries()) {
    if (card.source === "manual" || card.generation_id == null || card.proposal_index == null) continue;
    const h = card.source === "ai-full" ? await proposalHash(card.front, card.back) : null;
    out.push({ position, item: { g: card.generation_id, i: card.proposal_index, h } });
  }
  return out;
}

/**
 * Error path only (one extra read): the acceptance error naming the first item that broke the rule the gate
 * reported, so the client knows which card to fix.
 */
async function acceptanceError(
  deps: AuthedDeps,
  broken: "not_a_proposal" | "proposal_already_accepted",
  items: { position: number; item: AcceptedProposal }[],
  generationIds: string[],
) {
  const stored = await readProposals(deps.db, deps.auth.userId, generationIds).catch(() => []);
  const byKey = new Map(stored.map((row) => [`${row.generationId}/${row.index}`, row]));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const { position, item } of items) {
    const key = `${item.g}/${item.i}`;
    const row = byKey.get(key);
    if (broken === "not_a_proposal") {
      if (!row) {
        errors.push({
          path: `flashcards.${position}.proposal_index`,
          code: "not_a_proposal",
          message: "The generation proposed no card at this index.",
        });
      } else if (item.h !== null && item.h !== row.hash) {
        errors.push({
          path: `flashcards.${position}.front`,
          code: "not_a_proposal",
          message: "An ai-full card must repeat its proposal's front and back exactly; send edited text as ai-edited.",
        });
      }
    } else if (row?.acceptedAt != null || seen.has(key)) {
      errors.push({
        path: `flashcards.${position}.proposal_index`,
        code: "proposal_already_accepted",
        message: seen.has(key) ? "This proposal is named twice in the request." : "This proposal was already accepted.",
      });
    }
    seen.add(key);
    if (errors.length > 0) break;
  }
  const named = errors.length > 0 ? errors : undefined;
  return broken === "not_a_proposal" ? notAProposal(named) : proposalAlreadyAccepted(named);
}

/** Error path only: which of the requested generations the caller does not own (the first one). */
async function findMissingGeneration(deps: AuthedDeps, ids: string[]): Promise<string | undefined> {
  if (ids.length === 1) return ids[0];
  // One JSON parameter, not one per id: up to 100 ids plus the user would pass D1's 100-parameter cap.
  const owned = await deps.db
    .select({ id: generations.id })
    .from(generations)
    .where(ownedIn(generations, JSON.stringify(ids), deps.auth.userId));
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

/** The deck and tag scope of a list query. */
const listScope = (query: ListFlashcardsQuery): CardScope => ({
  deckId: query.deck_id,
  subdecks: query.subdecks !== "false",
  noDeck: query.no_deck === "true",
  tags: query.tag,
});

/** The list's filters on `flashcards` other than the user and the search term. */
function listFilters(userId: string, query: ListFlashcardsQuery): SQL[] {
  const conditions = cardScopeConditions(userId, listScope(query));
  if (query.source) conditions.push(eq(flashcards.source, query.source));
  if (query.generation_id) conditions.push(eq(flashcards.generationId, query.generation_id));
  if (query.state) conditions.push(eq(flashcards.state, STUDY_STATES.indexOf(query.state)));
  if (query.suspended !== undefined) conditions.push(eq(flashcards.suspended, query.suspended));
  if (query.leech !== undefined) conditions.push(eq(flashcards.leech, query.leech));
  return conditions;
}

/**
 * Cards a deck subtree or tag filter may hold for its list to be read from the scope's own cards and
 * sorted (plan "scope"); a larger scope is read by walking the user's sort index until a page of its
 * cards turns up (plan "walk", about N × 21 / 2,000 rows when the scope is spread through the order).
 * Neither plan alone is bounded: the walk reads the whole collection for a small deck, the sort reads a
 * whole large deck. Both run in the batch, each behind its half of the same capped count (at most 2,000
 * index entries), so exactly one returns rows. The count decides each statement's LIMIT, not a WHERE
 * term: SQLite evaluates a LIMIT once before the loop and skips a loop whose LIMIT is 0, while it tests
 * an uncorrelated subquery in the WHERE on every row (the walk then read all 100,000 cards to return
 * none; test/deck-plans.test.ts asserts D1's rows_read).
 */
export const NARROW_SCOPE_CARDS = 2000;

/** True when a list's scope can be small and unordered: a deck with its subdecks, or tags. */
const hasWideScope = (scope: CardScope) => Boolean((scope.deckId && scope.subdecks !== false) || scope.tags?.length);

/** SQL: the scope holds fewer than NARROW_SCOPE_CARDS cards (counting stops there). */
function narrowScope(userId: string, scope: CardScope) {
  const conditions = and(sql`+${flashcards.userId} = ${userId}`, ...cardScopeConditions(userId, scope));
  return sql`(SELECT count(*) FROM (SELECT 1 FROM ${flashcards} WHERE ${conditions} LIMIT ${NARROW_SCOPE_CARDS})) < ${NARROW_SCOPE_CARDS}`;
}

/**
 * Builds the list query without a search term (exported so a test can EXPLAIN it). `plan` matters only
 * for a deck subtree or tags (see NARROW_SCOPE_CARDS): "walk" keeps the user's sort index and runs only
 * for a large scope; "scope" hides the user's indexes (`+user_id`) so SQLite reads the scope's own
 * cards, and runs only for a small one.
 */
export function buildListQuery(
  db: Db,
  userId: string,
  query: ListFlashcardsQuery,
  after?: KeysetPosition,
  plan: "walk" | "scope" = "walk",
) {
  const pages = flashcardPages(query.sort, query.order);
  const scope = listScope(query);
  const wide = hasWideScope(scope);
  const user = wide && plan === "scope" ? sql`+${flashcards.userId} = ${userId}` : ofUser(flashcards, userId);
  const rows = query.limit + 1;
  // A wide scope's two plans: this one reads cards only when the capped count chose it (LIMIT 0 otherwise).
  const limit = wide
    ? sql`CASE WHEN ${narrowScope(userId, scope)} THEN ${plan === "scope" ? rows : 0} ELSE ${plan === "scope" ? 0 : rows} END`
    : rows;
  return db
    .select(flashcardColumns)
    .from(flashcards)
    .where(and(user, ...listFilters(userId, query), pages.after(after)))
    .orderBy(...pages.orderBy)
    .limit(limit as number);
}

/**
 * True when a list query has no filter: the plain page of a sort, the hot path. Asked of `listFilters`
 * itself, so a new filter can never be baked into a cached statement.
 */
const isPlainList = (query: ListFlashcardsQuery) => listFilters("", query).length === 0 && query.q === undefined;

/** The plain list page's templates, one per sort, order, page size and first/next page (at most 1,200). */
const plainPages = new Map<string, (db: Db, values: Record<string, unknown>) => ReturnType<typeof buildListQuery>>();

/**
 * The list statement: for a plain page (no filter) the SQL of `buildListQuery` built once per isolate
 * and bound per request (src/db/statement-template.ts); with filters, `buildListQuery` itself.
 */
function listPage(db: Db, userId: string, query: ListFlashcardsQuery, after?: KeysetPosition) {
  if (!isPlainList(query)) return buildListQuery(db, userId, query, after);
  const key = `${query.sort}:${query.order}:${query.limit}:${after ? "next" : "first"}`;
  let page = plainPages.get(key);
  if (!page) {
    const position = after ? { v: slot<number>("v"), id: slot("afterId") } : undefined;
    page = statementTemplate((template: Db) => buildListQuery(template, slot("userId"), query, position));
    plainPages.set(key, page);
  }
  return page(db, { userId, v: after?.v, afterId: after?.id });
}

/** Builds the search statements of a list query with `q` (exported so a test can EXPLAIN them). */
export function buildSearchStatements(
  db: Db,
  userId: string,
  query: ListFlashcardsQuery & { q: string },
  after?: KeysetPosition,
) {
  const pages = flashcardPages(query.sort, query.order);
  return searchStatements(db, {
    userId,
    q: query.q,
    filters: listFilters(userId, query),
    after: pages.after(after),
    orderBy: pages.orderBy,
    key: SORT_COLUMNS[query.sort].column,
    descending: query.order === "desc",
    limit: query.limit,
  });
}

/**
 * Lists the caller's flashcards: filters, full-text search, sort, keyset paging. One round trip. A
 * search runs its plans in the same batch (src/db/card-search.ts); a walking search's page ends at its
 * window, so it may hold fewer than `limit` cards while `has_more` is true.
 * @throws ApiError 400 `invalid_cursor` for a forged cursor or one from another sort/order.
 */
export async function listFlashcards(
  deps: AuthedDeps,
  query: ListFlashcardsQuery,
): Promise<{ data: FlashcardJson[]; pagination: Pagination }> {
  const { db, auth } = deps;
  const pages = flashcardPages(query.sort, query.order);
  const after = await pages.open(query.cursor, deps.config.jwtSecret);
  const scope = listScope(query);
  // The deck/tag check only when the query names one (a plain page or search has nothing to check).
  const checks = scopeNamesSomething(scope) ? [cardScopeCheck(db, auth.userId, scope)] : [];
  type ScopeRow = Parameters<typeof assertScopeFound>[0];
  let rows: FlashcardView[];
  let resumeAt: KeysetPosition | undefined;
  if (query.q === undefined) {
    // A deck subtree or tags: both plans of NARROW_SCOPE_CARDS, one of them returns the page (a wide
    // scope names a deck or tags, so the check is there and the scope plan comes third).
    const [listed, checked, scoped] = await authedBatch(db, auth, deps.now, [
      listPage(db, auth.userId, query, after),
      ...checks,
      ...(hasWideScope(scope) ? [buildListQuery(db, auth.userId, query, after, "scope")] : []),
    ]);
    assertScopeFound(checked?.[0] as ScopeRow, scope);
    const scopedRows = scoped as FlashcardView[] | undefined;
    rows = scopedRows && scopedRows.length > 0 ? scopedRows : listed;
  } else {
    const search = buildSearchStatements(db, auth.userId, { ...query, q: query.q }, after);
    const fts = search.fts ? [search.fts] : [];
    const [walked, windowEnd, ...rest] = await authedBatch(db, auth, deps.now, [
      search.walk,
      search.windowEnd,
      ...fts,
      ...checks,
    ]);
    const found = (fts.length > 0 ? rest[0] : []) as FlashcardView[];
    assertScopeFound((checks.length > 0 ? rest.at(-1)?.[0] : undefined) as ScopeRow, scope);
    rows = found.length > 0 ? found : walked;
    const end = windowEnd[0];
    if (end) resumeAt = { v: end.key, id: end.id };
  }
  const { page, pagination } = await pages.page(rows, query.limit, deps.config.jwtSecret, after, resumeAt);
  return { data: page.map(toFlashcardJson), pagination };
}

/** Reading one card: SQL built once per isolate (src/db/statement-template.ts). */
const readCard = statementTemplate((db: Db) =>
  db
    .select({ ...flashcardColumns, version: flashcards.version })
    .from(flashcards)
    .where(ownedBy(flashcards, slot("id"), slot("userId"))),
);

/**
 * Reads one of the caller's flashcards with its version (the ETag). One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getFlashcard(
  deps: AuthedDeps,
  id: string,
): Promise<{ flashcard: FlashcardJson; version: number }> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [readCard(deps.db, { id, userId: deps.auth.userId })]);
  const card = rows[0];
  if (!card) throw notFound("flashcard", id);
  return { flashcard: toFlashcardJson(card), version: card.version };
}

/**
 * Edits front and/or back, moves the card to a deck (`deck_id`; null = none) and/or replaces its tags.
 * An `ai-full` card whose text actually changes becomes `ai-edited` and its generation's count moves from
 * unedited to edited; `updated_at` moves. One round trip: the gates (card ownership before any tag is
 * written, deck ownership), the tag changes, the counter move, then UPDATE … RETURNING, which reads the
 * new tags and the new version (the ETag). With `ifMatch` the version gate comes first in the same
 * batch: nothing is written unless the card is at that version.
 * @throws ApiError 404 when the card or the deck is not the caller's; 400 `too_many_tags`;
 *   412 `precondition_failed` when the card is no longer at the `ifMatch` version.
 */
export async function updateFlashcard(
  deps: AuthedDeps,
  id: string,
  patch: UpdateFlashcardInput,
  ifMatch?: EntityTagCondition,
): Promise<{ flashcard: FlashcardJson; version: number }> {
  const { db, auth, now } = deps;
  const front = patch.front ?? null;
  const back = patch.back ?? null;
  const newTags = patch.tags === undefined ? undefined : distinctTags(patch.tags);
  const statements: BatchItem<"sqlite">[] = [];
  if (ifMatch) statements.push(versionGate(db, auth.userId, "flashcard", id, ifMatch));
  if (newTags) {
    const keys = newTags.map((tag) => tag.key);
    statements.push(
      flashcardGate(db, auth.userId, [id]),
      // Unlink first, so a full replacement never passes 20 links on the way.
      unlinkTags(db, auth.userId, [id], keys, "all-but-these"),
    );
    if (newTags.length > 0) {
      statements.push(
        upsertTags(db, auth.userId, newTags, now),
        linkTags(
          db,
          auth.userId,
          keys.map((key) => [id, key]),
        ),
      );
    }
  }
  if (patch.deck_id) statements.push(deckGate(db, auth.userId, [patch.deck_id]));
  if (front !== null || back !== null) statements.push(countEditOfAcceptedCard(deps, id, front, back));
  const set: Record<string, unknown> = {
    front: sql`coalesce(${front}, ${flashcards.front})`,
    frontKey: sql`coalesce(${front === null ? null : frontKey(front)}, ${flashcards.frontKey})`,
    back: sql`coalesce(${back}, ${flashcards.back})`,
    // SET expressions see the old row: compare before overwriting.
    source: sql`CASE WHEN ${flashcards.source} = 'ai-full' AND (coalesce(${front}, ${flashcards.front}) <> ${flashcards.front} OR coalesce(${back}, ${flashcards.back}) <> ${flashcards.back}) THEN 'ai-edited' ELSE ${flashcards.source} END`,
    updatedAt: now,
    // Bumped here (not only by the safety-net trigger) so that RETURNING shows the new version.
    version: sql`${flashcards.version} + 1`,
  };
  if (patch.deck_id !== undefined) set.deckId = patch.deck_id;
  statements.push(
    db
      .update(flashcards)
      .set(set)
      .where(ownedBy(flashcards, id, auth.userId))
      .returning({ ...flashcardColumns, version: flashcards.version }),
  );
  let results: unknown[];
  try {
    results = (await authedBatch(db, auth, now, statements)) as unknown[];
  } catch (error) {
    if (isPreconditionFailed(error)) throw preconditionFailed("flashcard");
    if (isFlashcardNotFound(error)) throw notFound("flashcard", id);
    throw deckRuleError(error, patch.deck_id) ?? error;
  }
  const card = (results.at(-1) as (FlashcardView & { version: number })[])[0];
  if (!card) throw notFound("flashcard", id);
  return { flashcard: toFlashcardJson(card), version: card.version };
}

/**
 * An accepted `ai-full` card whose text the patch changes becomes `ai-edited`: its generation's count moves from
 * unedited to edited (issue #12 item 3). Runs before the card's UPDATE in the same batch, so it still sees the
 * old source and text; a card that is not `ai-full`, or a patch that changes nothing, matches no generation.
 */
function countEditOfAcceptedCard(deps: AuthedDeps, id: string, front: string | null, back: string | null) {
  const editedGeneration = sql`(SELECT ${flashcards.generationId} FROM ${flashcards} WHERE ${flashcards.id} = ${id} AND ${flashcards.userId} = ${deps.auth.userId} AND ${flashcards.source} = 'ai-full' AND (coalesce(${front}, ${flashcards.front}) <> ${flashcards.front} OR coalesce(${back}, ${flashcards.back}) <> ${flashcards.back}))`;
  return deps.db
    .update(generations)
    .set({
      acceptedUneditedCount: sql`${generations.acceptedUneditedCount} - 1`,
      acceptedEditedCount: sql`${generations.acceptedEditedCount} + 1`,
      updatedAt: deps.now,
    })
    .where(
      and(
        ofUser(generations, deps.auth.userId),
        sql`${generations.id} = ${editedGeneration}`,
        sql`${generations.acceptedUneditedCount} > 0`,
      ),
    );
}

/**
 * Deletes one of the caller's flashcards (its review history goes with it). One round trip; with
 * `ifMatch` the version gate comes first in it.
 * @throws ApiError 404 when it does not exist or is not the caller's; 412 `precondition_failed`.
 */
export async function deleteFlashcard(deps: AuthedDeps, id: string, ifMatch?: EntityTagCondition): Promise<void> {
  const { db, auth, now } = deps;
  const remove = db
    .delete(flashcards)
    .where(ownedBy(flashcards, id, auth.userId))
    .returning({ id: flashcards.id });
  let rows: { id: string }[];
  try {
    rows = ifMatch
      ? (await authedBatch(db, auth, now, [versionGate(db, auth.userId, "flashcard", id, ifMatch), remove]))[1]
      : (await authedBatch(db, auth, now, [remove]))[0];
  } catch (error) {
    if (isPreconditionFailed(error)) throw preconditionFailed("flashcard");
    throw error;
  }
  if (rows.length === 0) throw notFound("flashcard", id);
}
