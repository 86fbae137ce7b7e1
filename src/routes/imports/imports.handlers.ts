/**
 * Imports: a file of notes (Anki text, CSV, TSV) becomes cards in decks with tags, all or nothing.
 *
 * Two round trips: one read (the caller's decks and the stored cards whose front key appears in the
 * file) to decide which decks to create and which rows are duplicates, then one write batch. The write
 * batch re-checks everything the read decided that a concurrent request could change: the deck gate
 * aborts it when a deck it uses was deleted meanwhile (so no card lands in a deleted deck), and the
 * card INSERTs skip duplicates again in SQL (a card of the same front written meanwhile is not
 * duplicated). Rows travel as JSON parameters read with `json_each`, a few statements for 5,000 rows.
 */
import { and, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { causeMessages } from "../../db/d1-errors";
import { ofUser, ownedBy } from "../../db/ownership";
import { rawStatement } from "../../db/raw-statement";
import { decks, flashcards, type ImportRow as ImportRecord, imports } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { conflict, notFound, tooManyRows } from "../../lib/errors";
import { keyset } from "../../lib/keyset";
import type { PageQuery, Pagination } from "../../lib/params";
import { toIso } from "../../lib/time";
import { type CheckedRow, checkRows, type DeckName } from "../../portability/check-rows";
import { decodeUtf8 } from "../../portability/decode-text";
import { type FileFormat, type ImportNotice, MAX_IMPORT_ROWS, parseImportFile } from "../../portability/import-file";
import { type ImportJson, type ImportQuery, type ImportResult, LISTED_MAX } from "./imports.schemas";

/** Bytes per JSON parameter: under D1's 2,000,000-byte string limit with room for the statement. */
const JSON_CHUNK_BYTES = 1_500_000;

// The deck gate view (migrations/0015) as drizzle sees it, only to build the INSERT.
const deckGateView = sqliteTable("deck_gate", { userId: text("user_id"), deckIds: text("deck_ids") });

/** A deck the import creates: its id, parent (existing or created before it) and name. */
type NewDeck = { id: string; parent: string | null; name: string; key: string };

/**
 * Imports one file. `dry_run` stops after the read: counts as if written, nothing recorded.
 * @throws ApiError 400 `invalid_encoding` / `too_many_rows`; 404 for a target deck that is not the
 *   caller's or a deck deleted while importing; 409 `deck_limit_reached`.
 */
export async function importFile(
  deps: AuthedDeps,
  input: { bytes: ArrayBuffer; hint: FileFormat; query: ImportQuery },
): Promise<{ status: 200 | 201; body: ImportResult }> {
  const { db, auth, now } = deps;
  const { query } = input;
  const parsed = parseImportFile(decodeUtf8(input.bytes), input.hint);
  if (parsed.totalRows > MAX_IMPORT_ROWS) throw tooManyRows(parsed.totalRows, MAX_IMPORT_ROWS);
  const checked = checkRows(parsed.rows);
  const rejected = [...parsed.rejected, ...checked.rejected].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));

  // Round trip 1: the caller's decks, and their stored cards whose front key is in the file.
  const keys = [...new Set(checked.valid.map((row) => row.frontKey))];
  const [deckRows, stored] = await authedBatch(db, auth, now, [
    db
      .select({ id: decks.id, parentId: decks.parentId, nameKey: decks.nameKey })
      .from(decks)
      .where(ofUser(decks, auth.userId)),
    db
      .select({ deckId: flashcards.deckId, frontKey: flashcards.frontKey })
      .from(flashcards)
      .where(
        and(
          ofUser(flashcards, auth.userId),
          sql`${flashcards.frontKey} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`,
        ),
      ),
  ]);
  if (query.deck_id && !deckRows.some((deck) => deck.id === query.deck_id)) throw notFound("deck", query.deck_id);

  // Deck paths → ids: existing decks by (parent, name key), missing ones created parent first.
  const byParentAndKey = new Map(deckRows.map((deck) => [`${deck.parentId ?? ""}/${deck.nameKey}`, deck.id]));
  const newDecks: NewDeck[] = [];
  const usedExisting = new Set<string>(query.deck_id ? [query.deck_id] : []);
  const resolveDeck = (path: DeckName[]): string => {
    let parent: string | null = null;
    for (const { name, key } of path) {
      const lookup = `${parent ?? ""}/${key}`;
      let id = byParentAndKey.get(lookup);
      if (id === undefined) {
        id = crypto.randomUUID();
        newDecks.push({ id, parent, name, key });
        byParentAndKey.set(lookup, id);
      } else if (!newDecks.some((deck) => deck.id === id)) usedExisting.add(id);
      parent = id;
    }
    return parent as string;
  };

  // Duplicates: against the stored cards of the row's deck and the earlier rows of the file.
  const seen = new Set(stored.map((card) => `${card.deckId ?? ""}/${card.frontKey}`));
  const cards: { row: CheckedRow; id: string; deckId: string | null }[] = [];
  let skipped = 0;
  for (const row of checked.valid) {
    const deckId = row.deck ? resolveDeck(row.deck) : (query.deck_id ?? null);
    const duplicateKey = `${deckId ?? ""}/${row.frontKey}`;
    if (query.duplicates === "skip" && seen.has(duplicateKey)) {
      skipped++;
      continue;
    }
    seen.add(duplicateKey);
    cards.push({ row, id: crypto.randomUUID(), deckId });
  }

  const summary = {
    format: parsed.format,
    dry_run: query.dry_run,
    duplicates: query.duplicates,
    target_deck_id: query.deck_id ?? null,
    total_rows: parsed.totalRows,
    rejected: rejected.length,
    decks_created: newDecks.length,
    warnings: parsed.warnings.slice(0, LISTED_MAX),
    created_at: toIso(now),
  };
  const rejectedRows = rejected.slice(0, LISTED_MAX);
  if (query.dry_run) {
    return {
      status: 200,
      body: {
        import: { id: null, ...summary, created: cards.length, skipped_duplicates: skipped },
        rejected_rows: rejectedRows,
      },
    };
  }

  // Round trip 2: one batch, one transaction.
  const importId = crypto.randomUUID();
  const statements: BatchItem<"sqlite">[] = [];
  if (usedExisting.size > 0) {
    statements.push(
      db.insert(deckGateView).values({ userId: auth.userId, deckIds: JSON.stringify([...usedExisting]) }),
    );
  }
  if (newDecks.length > 0) {
    // Parents come before their children in the array; SQLite inserts in json_each order, and each
    // row's trigger (depth, limit, owner) sees the rows inserted before it.
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO decks (id, user_id, parent_id, name, name_key, description, created_at, updated_at)
        SELECT j.value->>'id', ${auth.userId}, j.value->>'parent', j.value->>'name', j.value->>'key', NULL, ${now}, ${now}
        FROM json_each(${JSON.stringify(newDecks)}) AS j ORDER BY j.key`,
      ),
    );
  }
  for (const chunk of jsonChunks(
    cards.map(({ row, id, deckId }) => ({ id, d: deckId, f: row.front, k: row.frontKey, b: row.back })),
  )) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO flashcards (id, user_id, generation_id, deck_id, front, front_key, back, source, created_at, updated_at, due)
        SELECT j.value->>'id', ${auth.userId}, NULL, j.value->>'d', j.value->>'f', j.value->>'k', j.value->>'b', 'imported', ${now}, ${now}, ${now}
        FROM json_each(${chunk}) AS j
        WHERE ${query.duplicates} = 'allow' OR NOT EXISTS (
          SELECT 1 FROM flashcards AS f
          WHERE f.user_id = ${auth.userId} AND f.front_key = j.value->>'k' AND f.deck_id IS j.value->>'d'
        )`,
      ),
    );
  }
  const tagNames = new Map<string, string>();
  const links: [string, string][] = [];
  for (const { row, id } of cards) {
    for (const tag of row.tags) {
      if (!tagNames.has(tag.key)) tagNames.set(tag.key, tag.name);
      links.push([id, tag.key]);
    }
  }
  if (links.length > 0) {
    const tagList = [...tagNames].map(([key, name]) => ({ id: crypto.randomUUID(), key, name }));
    // The first spelling a user ever used is kept: existing tags are left alone.
    statements.push(
      rawStatement(
        db,
        sql`INSERT OR IGNORE INTO tags (id, user_id, name, name_key, created_at)
        SELECT j.value->>'id', ${auth.userId}, j.value->>'name', j.value->>'key', ${now}
        FROM json_each(${JSON.stringify(tagList)}) AS j`,
      ),
    );
    for (const chunk of jsonChunks(links)) {
      // Joined to flashcards: the links of a row the SQL skipped as a duplicate are not written. CROSS
      // JOIN keeps json_each the outer loop (SQLite would otherwise scan it once per card: quadratic).
      statements.push(
        rawStatement(
          db,
          sql`INSERT INTO flashcard_tags (flashcard_id, tag_id, user_id)
          SELECT c.id, t.id, ${auth.userId}
          FROM json_each(${chunk}) AS l
          CROSS JOIN flashcards AS c CROSS JOIN tags AS t
          WHERE c.id = l.value->>0 AND c.user_id = ${auth.userId}
            AND t.user_id = ${auth.userId} AND t.name_key = l.value->>1`,
        ),
      );
    }
    // A tag exists only while a card carries it (issue #13): drop the ones only skipped rows had.
    statements.push(
      rawStatement(
        db,
        sql`DELETE FROM tags WHERE user_id = ${auth.userId}
        AND name_key IN (SELECT value FROM json_each(${JSON.stringify([...tagNames.keys()])}))
        AND NOT EXISTS (SELECT 1 FROM flashcard_tags AS ft WHERE ft.tag_id = tags.id)`,
      ),
    );
  }
  // The record, with `created` counted from what the batch really inserted.
  const cardIds = JSON.stringify(cards.map((card) => card.id));
  statements.push(
    rawStatement(
      db,
      sql`INSERT INTO imports (id, user_id, format, target_deck_id, duplicates, total_rows, created,
        skipped_duplicates, rejected, decks_created, warnings, rejected_rows, created_at)
      SELECT ${importId}, ${auth.userId}, ${parsed.format}, ${summary.target_deck_id}, ${query.duplicates},
        ${parsed.totalRows}, c.n, ${skipped + cards.length} - c.n, ${rejected.length}, ${newDecks.length},
        ${JSON.stringify(summary.warnings)}, ${JSON.stringify(rejectedRows)}, ${now}
      FROM (SELECT count(*) AS n FROM flashcards WHERE user_id = ${auth.userId}
            AND id IN (SELECT value FROM json_each(${cardIds}))) AS c`,
    ),
    db
      .select()
      .from(imports)
      .where(ownedBy(imports, importId, auth.userId)),
  );

  let results: unknown[];
  try {
    results = await authedBatch(db, auth, now, statements);
  } catch (error) {
    const messages = causeMessages(error);
    if (messages.some((m) => m.includes("deck_not_found"))) {
      throw notFound("deck", query.deck_id ?? undefined);
    }
    if (messages.some((m) => m.includes("deck_limit_reached"))) {
      throw conflict("The import would take the account past 2,000 decks.", "deck_limit_reached");
    }
    throw error;
  }
  const record = (results.at(-1) as ImportRecord[])[0] as ImportRecord;
  return { status: 201, body: { import: toImportJson(record), rejected_rows: rejectedRows } };
}

/** Splits rows into JSON arrays of at most JSON_CHUNK_BYTES (UTF-8) each. */
function jsonChunks(rows: unknown[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    // UTF-16 length × 3 bounds the UTF-8 size without encoding.
    const size = json.length * 3 + 1;
    if (parts.length > 0 && bytes + size > JSON_CHUNK_BYTES) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}

/** Renders a stored import. */
export function toImportJson(row: ImportRecord): ImportJson {
  return {
    id: row.id,
    format: row.format,
    dry_run: false,
    duplicates: row.duplicates,
    target_deck_id: row.targetDeckId,
    total_rows: row.totalRows,
    created: row.created,
    skipped_duplicates: row.skippedDuplicates,
    rejected: row.rejected,
    decks_created: row.decksCreated,
    warnings: row.warnings,
    created_at: toIso(row.createdAt),
  };
}

const importPages = keyset<ImportRecord>({
  scope: "imports",
  key: imports.createdAt,
  id: imports.id,
  order: "desc",
  keyOf: (row) => row.createdAt,
});

/**
 * The caller's imports, newest first. One round trip.
 * @throws ApiError 400 `invalid_cursor`.
 */
export async function listImports(
  deps: AuthedDeps,
  query: PageQuery,
): Promise<{ data: ImportJson[]; pagination: Pagination }> {
  const after = await importPages.open(query.cursor, deps.config.jwtSecret);
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select()
      .from(imports)
      .where(and(ofUser(imports, deps.auth.userId), importPages.after(after)))
      .orderBy(...importPages.orderBy)
      .limit(query.limit + 1),
  ]);
  const { page, pagination } = await importPages.page(rows, query.limit, deps.config.jwtSecret, after);
  return { data: page.map(toImportJson), pagination };
}

/**
 * One of the caller's imports, with its rejected rows. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getImport(deps: AuthedDeps, id: string): Promise<ImportResult> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .select()
      .from(imports)
      .where(ownedBy(imports, id, deps.auth.userId)),
  ]);
  const row = rows[0];
  if (!row) throw notFound("import", id);
  return { import: toImportJson(row), rejected_rows: row.rejectedRows };
}

export type { ImportNotice };
