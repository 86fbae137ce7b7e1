/**
 * What both imports (a text file, an account.json) write the same way: deck paths merged with the
 * caller's decks and the missing ones created parents first, the deck gate that aborts the batch when a
 * deck they use was deleted meanwhile, and rows split into JSON parameters for `json_each`.
 */
import { and, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AuthedDeps } from "../lib/deps";
import { conflict, notFound } from "../lib/errors";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";
import { ofUser, ownedBy } from "./ownership";
import { rawStatement } from "./raw-statement";
import { decks, flashcards, type ImportRow, imports } from "./schema";
import { authedBatch } from "./session-gate";

/** Bytes per JSON parameter: under D1's 2,000,000-byte string limit with room for the statement. */
export const JSON_CHUNK_BYTES = 1_500_000;

/** An upper bound of a string's UTF-8 size: a UTF-16 unit above U+007F is at most 3 bytes. */
function utf8Bound(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) bytes += 2;
  return bytes;
}

/** Splits rows into JSON arrays of at most JSON_CHUNK_BYTES (UTF-8) each, in order. */
export function jsonChunks(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = utf8Bound(json) + 1;
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

/**
 * The reads both imports start with: the caller's decks (to merge paths) and their stored cards whose
 * front key is among `frontKeys` (to skip duplicates), for the import's first round trip.
 */
export function importReads(db: Db, userId: string, frontKeys: readonly string[]) {
  return [
    db
      .select({ id: decks.id, parentId: decks.parentId, nameKey: decks.nameKey })
      .from(decks)
      .where(ofUser(decks, userId)),
    db
      .select({ deckId: flashcards.deckId, frontKey: flashcards.frontKey })
      .from(flashcards)
      .where(
        and(
          ofUser(flashcards, userId),
          sql`${flashcards.frontKey} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(frontKeys)])}))`,
        ),
      ),
  ] as const;
}

/** One level of a deck path with its name key (src/lib/name-key.ts). */
export type DeckLevel = { name: string; key: string };

/** A deck an import creates: parent (existing or created before it), name and, when known, its details. */
export type NewDeck = {
  id: string;
  parent: string | null;
  name: string;
  key: string;
  description: string | null;
  created_at: number | null;
};

/** The caller's decks as the import's read returns them. */
export type ExistingDeck = { id: string; parentId: string | null; nameKey: string };

/**
 * Resolves deck paths against the caller's decks: an existing deck is found by (parent, name key), a
 * missing one is planned with a new id, parents before children. `used` collects the existing decks
 * the import writes into, for the deck gate.
 */
export function deckResolver(existing: readonly ExistingDeck[], target: string | null) {
  const byParentAndKey = new Map(existing.map((deck) => [`${deck.parentId ?? ""}/${deck.nameKey}`, deck.id]));
  const created: NewDeck[] = [];
  const createdIds = new Set<string>();
  const used = new Set<string>(target ? [target] : []);
  return {
    created,
    used,
    /** The id of the deck at `path`; `details` go to the last level if the import creates it. */
    resolve(path: readonly DeckLevel[], details?: { description: string | null; createdAt: number }): string {
      let parent: string | null = null;
      for (const [level, { name, key }] of path.entries()) {
        const lookup = `${parent ?? ""}/${key}`;
        let id = byParentAndKey.get(lookup);
        if (id === undefined) {
          id = crypto.randomUUID();
          const last = level === path.length - 1;
          created.push({
            id,
            parent,
            name,
            key,
            description: last ? (details?.description ?? null) : null,
            created_at: last ? (details?.createdAt ?? null) : null,
          });
          createdIds.add(id);
          byParentAndKey.set(lookup, id);
        } else if (!createdIds.has(id)) used.add(id);
        parent = id;
      }
      return parent as string;
    },
  };
}

// The deck gate view (migrations/0015) as drizzle sees it, only to build the INSERT.
const deckGateView = sqliteTable("deck_gate", { userId: text("user_id"), deckIds: text("deck_ids") });

/**
 * The statements that create the planned decks after checking the used ones still exist: the gate
 * raises `deck_not_found` (the batch rolls back) when one was deleted since the read. Parents come
 * before their children in `created`; SQLite inserts in json_each order, and each row's trigger (depth,
 * limit, owner) sees the rows inserted before it. A deck without `created_at` gets `now`.
 */
export function deckStatements(
  db: Db,
  userId: string,
  now: number,
  decks: { created: readonly NewDeck[]; used: ReadonlySet<string> },
): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  if (decks.used.size > 0) {
    statements.push(db.insert(deckGateView).values({ userId, deckIds: JSON.stringify([...decks.used]) }));
  }
  if (decks.created.length > 0) {
    statements.push(
      rawStatement(
        db,
        sql`INSERT INTO decks (id, user_id, parent_id, name, name_key, description, created_at, updated_at)
        SELECT j.value->>'id', ${userId}, j.value->>'parent', j.value->>'name', j.value->>'key', j.value->>'description',
          coalesce(j.value->>'created_at', ${now}), ${now}
        FROM json_each(${JSON.stringify(decks.created)}) AS j ORDER BY j.key`,
      ),
    );
  }
  return statements;
}

/**
 * The tags of the imported cards (merged by key: the first spelling a user ever used is kept) and the
 * card–tag links. Links are joined to `flashcards`, so those of a card the batch skipped in SQL (a
 * duplicate written meanwhile) are not written, and tags only such cards had are removed again: a tag
 * exists only while a card carries it (issue #13).
 */
export function tagStatements(
  db: Db,
  userId: string,
  now: number,
  cards: readonly { id: string; tags: readonly DeckLevel[] }[],
): BatchItem<"sqlite">[] {
  const tagNames = new Map<string, string>();
  const links: [string, string][] = [];
  for (const { id, tags } of cards) {
    for (const tag of tags) {
      if (!tagNames.has(tag.key)) tagNames.set(tag.key, tag.name);
      links.push([id, tag.key]);
    }
  }
  if (links.length === 0) return [];
  const tagList = [...tagNames].map(([key, name]) => ({ id: crypto.randomUUID(), key, name }));
  const statements: BatchItem<"sqlite">[] = [
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO tags (id, user_id, name, name_key, created_at)
      SELECT j.value->>'id', ${userId}, j.value->>'name', j.value->>'key', ${now}
      FROM json_each(${JSON.stringify(tagList)}) AS j`,
    ),
  ];
  for (const chunk of jsonChunks(links)) {
    // CROSS JOIN keeps json_each the outer loop (SQLite would otherwise scan it once per card: quadratic).
    // OR IGNORE: a link that exists already (a card restored twice by a racing request) is kept as is.
    statements.push(
      rawStatement(
        db,
        sql`INSERT OR IGNORE INTO flashcard_tags (flashcard_id, tag_id, user_id)
        SELECT c.id, t.id, ${userId}
        FROM json_each(${chunk}) AS l
        CROSS JOIN flashcards AS c CROSS JOIN tags AS t
        WHERE c.id = l.value->>0 AND c.user_id = ${userId}
          AND t.user_id = ${userId} AND t.name_key = l.value->>1`,
      ),
    );
  }
  statements.push(
    rawStatement(
      db,
      sql`DELETE FROM tags WHERE user_id = ${userId}
      AND name_key IN (SELECT value FROM json_each(${JSON.stringify([...tagNames.keys()])}))
      AND NOT EXISTS (SELECT 1 FROM flashcard_tags AS ft WHERE ft.tag_id = tags.id)`,
    ),
  );
  return statements;
}

/** What an import records about itself. */
export type ImportRecordInput = {
  id: string;
  userId: string;
  format: ImportRow["format"];
  targetDeckId: string | null;
  duplicates: ImportRow["duplicates"];
  totalRows: number;
  /** Cards considered for writing: those sent in the batch plus those skipped before it. */
  considered: number;
  /** Ids of the cards sent in the batch (none existed when the import read). */
  cardIds: readonly string[];
  rejected: number;
  decksCreated: number;
  warnings: ImportRow["warnings"];
  rejectedRows: ImportRow["rejectedRows"];
  now: number;
};

/**
 * The `imports` row, with `created` counted from what the batch really inserted (a card skipped in SQL
 * counts as a skipped duplicate), and its read-back as the batch's last result.
 */
export function importRecordStatements(db: Db, record: ImportRecordInput): BatchItem<"sqlite">[] {
  return [
    rawStatement(
      db,
      sql`INSERT INTO imports (id, user_id, format, target_deck_id, duplicates, total_rows, created,
        skipped_duplicates, rejected, decks_created, warnings, rejected_rows, created_at)
      SELECT ${record.id}, ${record.userId}, ${record.format}, ${record.targetDeckId}, ${record.duplicates},
        ${record.totalRows}, c.n, ${record.considered} - c.n, ${record.rejected}, ${record.decksCreated},
        ${JSON.stringify(record.warnings)}, ${JSON.stringify(record.rejectedRows)}, ${record.now}
      FROM (SELECT count(*) AS n FROM flashcards WHERE +user_id = ${record.userId}
            AND id IN (SELECT value FROM json_each(${JSON.stringify(record.cardIds)}))) AS c`,
    ),
    db
      .select()
      .from(imports)
      .where(ownedBy(imports, record.id, record.userId)),
  ];
}

/**
 * Runs an import's write batch (one round trip, one transaction) and returns the stored record (the
 * last statement must be `importRecordStatements`' read-back).
 * @throws ApiError 404 when a deck it uses was deleted meanwhile (nothing written); 409
 *   `deck_limit_reached`.
 */
export async function runImportBatch(
  deps: AuthedDeps,
  statements: BatchItem<"sqlite">[],
  targetDeckId: string | undefined,
): Promise<ImportRow> {
  let results: unknown[];
  try {
    results = await authedBatch(deps.db, deps.auth, deps.now, statements);
  } catch (error) {
    const messages = causeMessages(error);
    if (messages.some((m) => m.includes("deck_not_found"))) throw notFound("deck", targetDeckId);
    if (messages.some((m) => m.includes("deck_limit_reached"))) {
      throw conflict("The import would take the account past 2,000 decks.", "deck_limit_reached");
    }
    throw error;
  }
  return (results.at(-1) as ImportRow[])[0] as ImportRow;
}
