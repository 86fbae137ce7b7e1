/**
 * Streamed exports of the caller's data: Anki's text format, a CSV of cards, and the whole account as
 * JSON. The session is checked once, in the round trip that reads the first things the export needs;
 * pages then follow as plain reads scoped by `user_id`, each on an index that starts with it, keyset
 * by (sort key, id or rowid): no OFFSET, so page N costs what page 1 costs.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { type FlashcardView, flashcardColumns, reviewColumns } from "../../db/projections";
import {
  decks,
  flashcards,
  generationErrorLogs,
  generations,
  reviewLogs,
  studySessions,
  tags,
  users,
} from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { toIso } from "../../lib/time";
import { type PagedSource, type QueryCounter, type StreamPart, textStream } from "../../portability/paged-stream";
import { ankiLine, csvLine } from "../../portability/text-formats";
import { toFlashcardJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { toErrorLogJson, toGenerationJson } from "../generations/generation-view";
import { toReviewJson } from "../reviews/review-view";

/** What the export handlers need. */
export type ExportDeps = AuthedDeps;

/** Rows per page: 100,000 cards are 100 queries, 1,000,000 review logs 200 (Paid plan: 1,000 per invocation). */
export const CARD_PAGE = 1_000;
export const LOG_PAGE = 5_000;

/** The version of the account.json format; bumped only for changes an importer cannot read. */
export const ACCOUNT_FORMAT_VERSION = 1;

type CardKey = { createdAt: number; id: string };

/** A card with its deck path (`A::B`, Anki's notation) and its tag names (space-separated, by key). */
type ExportedCard = FlashcardView & { deckPath: string | null; tagNames: string | null };

/**
 * (Outer columns are written qualified: drizzle renders `${column}` unqualified in a select, which
 * inside these subqueries would bind to the inner tables.)
 * The card's deck path from the closure table (`deck_tree_descendant_idx`, root first) and its tags
 * (`flashcard_tags` primary key): two indexed lookups per card inside the page's one query.
 */
const exportedCardColumns = {
  ...flashcardColumns,
  deckPath: sql<string | null>`(SELECT group_concat(name, '::') FROM (
    SELECT d.name FROM deck_tree AS dt JOIN decks AS d ON d.id = dt.ancestor_id
    WHERE dt.descendant_id = "flashcards"."deck_id" ORDER BY dt.distance DESC))`,
  tagNames: sql<string | null>`(SELECT group_concat(name, ' ') FROM (
    SELECT t.name FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id
    WHERE ft.flashcard_id = "flashcards"."id" ORDER BY t.name_key))`,
};

/** The caller's cards oldest first, a page at a time, on `flashcards_user_created_idx`. */
function cardPages(
  deps: ExportDeps,
  encode: PagedSource<ExportedCard, CardKey>["encode"],
): PagedSource<ExportedCard, CardKey> {
  const { db, auth } = deps;
  return {
    pageSize: CARD_PAGE,
    fetch: (after) =>
      db
        .select(exportedCardColumns)
        .from(flashcards)
        .where(
          and(
            eq(flashcards.userId, auth.userId),
            after ? sql`(${flashcards.createdAt}, ${flashcards.id}) > (${after.createdAt}, ${after.id})` : undefined,
          ),
        )
        .orderBy(asc(flashcards.createdAt), asc(flashcards.id))
        .limit(CARD_PAGE),
    keyOf: (row) => ({ createdAt: row.createdAt, id: row.id }),
    encode,
  };
}

/**
 * Anki's "Notes in Plain Text": one Basic note per card, tab-separated, plain text, with the deck and
 * tags columns Anki's importer reads.
 * @throws ApiError 401 when the session has ended (checked before the first byte).
 */
export async function exportAnkiText(deps: ExportDeps, counter?: QueryCounter): Promise<ReadableStream<Uint8Array>> {
  await authedBatch(deps.db, deps.auth, deps.now, []);
  const header = [
    "#separator:tab",
    "#html:false",
    "#notetype:Basic",
    "#columns:Front\tBack\tDeck\tTags",
    "#deck column:3",
    "#tags column:4",
    "",
  ].join("\n");
  return textStream(
    [header, cardPages(deps, (card) => ankiLine([card.front, card.back, card.deckPath ?? "", card.tagNames ?? ""]))],
    counter,
  );
}

/** The header of cards.csv. */
export const CARDS_CSV_COLUMNS = ["front", "back", "deck", "tags", "source", "created_at", "due", "state"] as const;

/**
 * RFC 4180 CSV of every card with a header row.
 * @throws ApiError 401 when the session has ended (checked before the first byte).
 */
export async function exportCardsCsv(deps: ExportDeps, counter?: QueryCounter): Promise<ReadableStream<Uint8Array>> {
  await authedBatch(deps.db, deps.auth, deps.now, []);
  return textStream(
    [
      csvLine(CARDS_CSV_COLUMNS),
      cardPages(deps, (card) =>
        csvLine([
          card.front,
          card.back,
          card.deckPath ?? "",
          card.tagNames ?? "",
          card.source,
          toIso(card.createdAt),
          toIso(card.due),
          STUDY_STATES[card.state] ?? "new",
        ]),
      ),
    ],
    counter,
  );
}

/** A keyset source on (user_id, sort column, tiebreak) for the account export's sections. */
function keysetPages<Row extends Record<string, unknown>>(options: {
  pageSize: number;
  select: (after: { v: number; t: string | number } | null) => Promise<Row[]>;
  key: (row: Row) => { v: number; t: string | number };
  encode: (row: Row) => unknown;
}): PagedSource<Row, { v: number; t: string | number }> {
  return {
    pageSize: options.pageSize,
    fetch: options.select,
    keyOf: options.key,
    encode: (row, first) => (first ? "" : ",") + JSON.stringify(options.encode(row)),
  };
}

/**
 * Everything the account owns as one JSON document (`format_version` 1), streamed section by section:
 * the user (never a password or token hash), cards with their study state, generations with their
 * counts, generation error logs, review logs and study sessions. Ends with `"complete": true`.
 * @throws ApiError 401 when the session has ended (checked before the first byte).
 */
export async function exportAccount(deps: ExportDeps, counter?: QueryCounter): Promise<ReadableStream<Uint8Array>> {
  const { db, auth } = deps;
  // Decks (at most 2,000) and tags come with the session check: small enough for one page each.
  const [userRows, deckRows, tagRows] = await authedBatch(db, auth, deps.now, [
    db
      .select({ id: users.id, email: users.email, createdAt: users.createdAt })
      .from(users)
      .where(eq(users.id, auth.userId)),
    db
      .select({
        id: decks.id,
        parentId: decks.parentId,
        name: decks.name,
        description: decks.description,
        createdAt: decks.createdAt,
        path: sql<string>`(SELECT group_concat(name, '::') FROM (
          SELECT a.name FROM deck_tree AS dt JOIN decks AS a ON a.id = dt.ancestor_id
          WHERE dt.descendant_id = "decks"."id" ORDER BY dt.distance DESC))`,
      })
      .from(decks)
      .where(eq(decks.userId, auth.userId)),
    db.select({ name: tags.name }).from(tags).where(eq(tags.userId, auth.userId)).orderBy(asc(tags.nameKey)),
  ]);
  // Parents before children (by path), so an importer can create them in order.
  const deckList = deckRows
    .map((deck) => ({
      id: deck.id,
      parent_id: deck.parentId,
      name: deck.name,
      path: deck.path,
      description: deck.description,
      created_at: toIso(deck.createdAt),
    }))
    .sort((a, b) => a.path.split("::").length - b.path.split("::").length || a.path.localeCompare(b.path));
  const user = userRows[0];
  const head = `{"format":"flashcards-api.account","format_version":${ACCOUNT_FORMAT_VERSION},"exported_at":${JSON.stringify(
    toIso(deps.now),
  )},"user":${JSON.stringify({ id: user?.id, email: user?.email, created_at: toIso(user?.createdAt ?? deps.now) })},"settings":null,"decks":${JSON.stringify(deckList)},"tags":${JSON.stringify(
    tagRows.map((tag) => ({ name: tag.name })),
  )},"cards":[`;

  const generationSource = keysetPages({
    pageSize: CARD_PAGE,
    select: (after) =>
      db
        .select()
        .from(generations)
        .where(
          and(
            eq(generations.userId, auth.userId),
            after ? sql`(${generations.createdAt}, ${generations.id}) > (${after.v}, ${after.t})` : undefined,
          ),
        )
        .orderBy(asc(generations.createdAt), asc(generations.id))
        .limit(CARD_PAGE),
    key: (row) => ({ v: row.createdAt, t: row.id }),
    encode: (row) => toGenerationJson(row),
  });
  const errorLogSource = keysetPages({
    pageSize: CARD_PAGE,
    select: (after) =>
      db
        .select()
        .from(generationErrorLogs)
        .where(
          and(
            eq(generationErrorLogs.userId, auth.userId),
            after
              ? sql`(${generationErrorLogs.createdAt}, ${generationErrorLogs.id}) > (${after.v}, ${after.t})`
              : undefined,
          ),
        )
        .orderBy(asc(generationErrorLogs.createdAt), asc(generationErrorLogs.id))
        .limit(CARD_PAGE),
    key: (row) => ({ v: row.createdAt, t: row.id }),
    encode: (row) => toErrorLogJson(row),
  });
  // review_logs_user_reviewed_idx is (user_id, reviewed_at); its entries end with the rowid, the tiebreak.
  const reviewSource = keysetPages({
    pageSize: LOG_PAGE,
    select: (after) =>
      db
        .select({ ...reviewColumns, rowid: sql<number>`${reviewLogs}.rowid` })
        .from(reviewLogs)
        .where(
          and(
            eq(reviewLogs.userId, auth.userId),
            after ? sql`(${reviewLogs.reviewedAt}, ${reviewLogs}.rowid) > (${after.v}, ${after.t})` : undefined,
          ),
        )
        .orderBy(asc(reviewLogs.reviewedAt), sql`${reviewLogs}.rowid`)
        .limit(LOG_PAGE),
    key: (row) => ({ v: row.reviewedAt, t: row.rowid }),
    encode: ({ rowid: _rowid, ...row }) => toReviewJson(row),
  });
  const sessionSource = keysetPages({
    pageSize: CARD_PAGE,
    select: (after) =>
      db
        .select({
          id: studySessions.id,
          cardIds: studySessions.cardIds,
          startedAt: studySessions.startedAt,
          finishedAt: studySessions.finishedAt,
          rowid: sql<number>`${studySessions}.rowid`,
        })
        .from(studySessions)
        .where(
          and(
            eq(studySessions.userId, auth.userId),
            after ? sql`(${studySessions.startedAt}, ${studySessions}.rowid) > (${after.v}, ${after.t})` : undefined,
          ),
        )
        .orderBy(asc(studySessions.startedAt), sql`${studySessions}.rowid`)
        .limit(CARD_PAGE),
    key: (row) => ({ v: row.startedAt, t: row.rowid }),
    encode: (row) => ({
      id: row.id,
      card_ids: row.cardIds,
      started_at: toIso(row.startedAt),
      finished_at: toIso(row.finishedAt),
    }),
  });

  const parts: StreamPart[] = [
    head,
    cardPages(
      deps,
      (card, first) =>
        (first ? "" : ",") +
        JSON.stringify({
          ...toFlashcardJson(card),
          deck_path: card.deckPath,
          tags: card.tagNames ? card.tagNames.split(" ") : [],
        }),
    ),
    `],"generations":[`,
    generationSource,
    `],"generation_error_logs":[`,
    errorLogSource,
    `],"review_logs":[`,
    reviewSource,
    `],"study_sessions":[`,
    sessionSource,
    `],"complete":true}\n`,
  ];
  return textStream(parts, counter);
}
