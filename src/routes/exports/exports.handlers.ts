/**
 * Streamed exports of the caller's data: Anki's text format, a CSV of cards, and the whole account as
 * JSON. The session is checked once, in the round trip that reads the first things the export needs;
 * pages then follow as plain reads scoped by `user_id`, each on an index that starts with it, keyset
 * by (sort key, id or rowid): no OFFSET, so page N costs what page 1 costs.
 */
import { and, asc, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import { ownedBy } from "../../db/ownership";
import { type FlashcardView, flashcardColumns, reviewColumns } from "../../db/projections";
import {
  decks,
  flashcards,
  generationErrorLogs,
  generations,
  reviewLogs,
  studySessions,
  tags,
  type UserSettingsRow,
  userSettings,
  users,
} from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound } from "../../lib/errors";
import { toIso } from "../../lib/time";
import { type PagedSource, type QueryCounter, type StreamPart, textStream } from "../../portability/paged-stream";
import { ankiLine, csvLine } from "../../portability/text-formats";
import { restoredCard, SNAPSHOT_FIELDS, type StoredSnapshot } from "../../study/pre-review-snapshot";
import { toFlashcardJson, toStudyJson } from "../flashcards/flashcard-view";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { toErrorLogJson, toGenerationJson } from "../generations/generation-view";
import { type ReviewView, toReviewJson } from "../reviews/review-view";
import { ACCOUNT_FORMAT, ACCOUNT_FORMAT_VERSION, type AccountReviewLog, type AccountSettings } from "./account.schemas";

/** What the export handlers need. */
export type ExportDeps = AuthedDeps;

/** Rows per page: 100,000 cards are 100 queries, 1,000,000 review logs 200 (Paid plan: 1,000 per invocation). */
export const CARD_PAGE = 1_000;
/** Review logs per page of the account export. */
export const LOG_PAGE = 5_000;

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
  filter?: SQL,
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
            filter,
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
 * tags columns Anki's importer reads. With `deckId`, only the cards of that deck and its subdecks.
 * @throws ApiError 401 when the session has ended (checked before the first byte); 404 when `deckId`
 *   is not one of the caller's decks.
 */
export async function exportAnkiText(
  deps: ExportDeps,
  query: { deck_id?: string } = {},
  counter?: QueryCounter,
): Promise<ReadableStream<Uint8Array>> {
  const { db, auth } = deps;
  const deckId = query.deck_id;
  if (deckId) {
    const [deckRows] = await authedBatch(db, auth, deps.now, [
      db
        .select({ id: decks.id })
        .from(decks)
        .where(ownedBy(decks, deckId, auth.userId)),
    ]);
    if (deckRows.length === 0) throw notFound("deck", deckId);
  } else await authedBatch(db, auth, deps.now, []);
  // The deck and its subdecks through the closure table (`deck_tree` primary key), scoped to the caller.
  const inDeck = deckId
    ? sql`${flashcards.deckId} IN (SELECT descendant_id FROM deck_tree WHERE ancestor_id = ${deckId} AND user_id = ${auth.userId})`
    : undefined;
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
    [
      header,
      cardPages(deps, (card) => ankiLine([card.front, card.back, card.deckPath ?? "", card.tagNames ?? ""]), inDeck),
    ],
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

/** The stored study settings (not the resolved ones): `null` members follow the server's defaults. */
function toAccountSettings(row: UserSettingsRow): AccountSettings {
  return {
    timezone: row.timezone,
    day_starts_at: row.dayStartsAt,
    desired_retention: row.desiredRetention,
    maximum_interval_days: row.maximumIntervalDays,
    new_cards_per_day: row.newCardsPerDay,
    reviews_per_day: row.reviewsPerDay,
    learning_steps: row.learningSteps,
    relearning_steps: row.relearningSteps,
    enable_fuzz: row.enableFuzz,
    leech_threshold: row.leechThreshold,
    leech_action: row.leechAction,
    fsrs_parameters: row.fsrsParameters,
  };
}

/** The pre-review snapshot columns of a review log (src/study/pre-review-snapshot.ts, the one list). */
const snapshotColumns = Object.fromEntries(
  Object.values(SNAPSHOT_FIELDS).map((field) => [field, reviewLogs[field]]),
) as { [K in keyof StoredSnapshot]: (typeof reviewLogs)[K] };

/**
 * A review log in account.json: the review as the API shows it and the card's state before the entry
 * (what undo restores), or null on rows older than snapshots.
 */
function toAccountReviewLog(row: ReviewView & StoredSnapshot): AccountReviewLog {
  const before = restoredCard(row);
  return { ...toReviewJson(row), card_before: before ? toStudyJson(before) : null };
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
  const [userRows, settingsRows, deckRows, tagRows] = await authedBatch(db, auth, deps.now, [
    db
      .select({ id: users.id, email: users.email, createdAt: users.createdAt })
      .from(users)
      .where(eq(users.id, auth.userId)),
    db.select().from(userSettings).where(eq(userSettings.userId, auth.userId)),
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
  const settings = settingsRows[0] ? toAccountSettings(settingsRows[0]) : null;
  const head = `{"format":${JSON.stringify(ACCOUNT_FORMAT)},"format_version":${ACCOUNT_FORMAT_VERSION},"exported_at":${JSON.stringify(
    toIso(deps.now),
  )},"user":${JSON.stringify({ id: user?.id, email: user?.email, created_at: toIso(user?.createdAt ?? deps.now) })},"settings":${JSON.stringify(settings)},"decks":${JSON.stringify(deckList)},"tags":${JSON.stringify(
    tagRows.map((tag) => ({ name: tag.name })),
  )},"cards":[`;

  // A generation's deck by path, like the cards' (the importer resolves paths, not ids).
  const deckPaths = new Map(deckList.map((deck) => [deck.id, deck.path]));
  const generationSource = keysetPages({
    pageSize: CARD_PAGE,
    select: (after) =>
      db
        .select({
          ...getTableColumns(generations),
          // The proposals' hashes (≤ 50, on the primary key of generation_proposals) in the page's one query.
          proposals: sql<string>`(SELECT json_group_array(json_object('index', p.proposal_index, 'text_hash', p.text_hash,
            'accepted_at', p.accepted_at)) FROM (SELECT * FROM generation_proposals AS p
            WHERE p.generation_id = "generations"."id" ORDER BY p.proposal_index) AS p)`,
        })
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
    encode: ({ proposals, ...row }) => ({
      ...toGenerationJson(row),
      deck_path: (row.deckId && deckPaths.get(row.deckId)) ?? null,
      proposals: (JSON.parse(proposals) as { index: number; text_hash: string; accepted_at: number | null }[]).map(
        (proposal) => ({ ...proposal, accepted_at: toIso(proposal.accepted_at) }),
      ),
    }),
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
        .select({ ...reviewColumns, ...snapshotColumns, rowid: sql<number>`${reviewLogs}.rowid` })
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
    encode: ({ rowid: _rowid, ...row }) => toAccountReviewLog(row),
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
