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
import {
  deckResolver,
  deckStatements,
  importReads,
  importRecordStatements,
  jsonChunks,
  runImportBatch,
  tagStatements,
} from "../../db/import-writes";
import { ofUser, ownedBy } from "../../db/ownership";
import { rawStatement } from "../../db/raw-statement";
import { type ImportRow as ImportRecord, imports } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound, tooManyRows } from "../../lib/errors";
import { keyset } from "../../lib/keyset";
import type { PageQuery, Pagination } from "../../lib/params";
import { toIso } from "../../lib/time";
import { type CheckedRow, checkRows } from "../../portability/check-rows";
import { decodeUtf8 } from "../../portability/decode-text";
import { type FileFormat, type ImportNotice, MAX_IMPORT_ROWS, parseImportFile } from "../../portability/import-file";
import { type ImportJson, type ImportQuery, type ImportResult, LISTED_MAX } from "./imports.schemas";

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
  const [deckRows, stored] = await authedBatch(
    db,
    auth,
    now,
    importReads(
      db,
      auth.userId,
      checked.valid.map((row) => row.frontKey),
    ),
  );
  if (query.deck_id && !deckRows.some((deck) => deck.id === query.deck_id)) throw notFound("deck", query.deck_id);

  // Deck paths → ids: existing decks by (parent, name key), missing ones created parent first.
  const deckPlan = deckResolver(deckRows, query.deck_id ?? null);

  // Duplicates: against the stored cards of the row's deck and the earlier rows of the file.
  const seen = new Set(stored.map((card) => `${card.deckId ?? ""}/${card.frontKey}`));
  const cards: { row: CheckedRow; id: string; deckId: string | null }[] = [];
  let skipped = 0;
  for (const row of checked.valid) {
    const deckId = row.deck ? deckPlan.resolve(row.deck) : (query.deck_id ?? null);
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
    decks_created: deckPlan.created.length,
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
  const statements: BatchItem<"sqlite">[] = deckStatements(db, auth.userId, now, deckPlan);
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
  statements.push(
    ...tagStatements(
      db,
      auth.userId,
      now,
      cards.map(({ row, id }) => ({ id, tags: row.tags })),
    ),
  );
  statements.push(
    ...importRecordStatements(db, {
      id: importId,
      userId: auth.userId,
      format: parsed.format,
      targetDeckId: summary.target_deck_id,
      duplicates: query.duplicates,
      totalRows: parsed.totalRows,
      considered: skipped + cards.length,
      cardIds: cards.map((card) => card.id),
      rejected: rejected.length,
      decksCreated: deckPlan.created.length,
      warnings: summary.warnings,
      rejectedRows,
      now,
    }),
  );
  const record = await runImportBatch(deps, statements, query.deck_id);
  return { status: 201, body: { import: toImportJson(record), rejected_rows: rejectedRows } };
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
