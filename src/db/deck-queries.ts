/**
 * Reads of decks with their path and card counts, each one SQL statement (so one round trip with the
 * session check). Counts include subdecks: per deck, cards/new/suspended come from the maintained
 * `card_counts` rows and due cards from an index (one deck's subtree: `flashcards_deck_state_due_idx
 * (deck_id, state, due, user_id)`; every deck: `flashcards_user_due_deck_idx`), then they are rolled up
 * to every ancestor through the closure table `deck_tree` (<= 8 rows per deck). Exported builders so
 * tests can EXPLAIN them.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { rawAll } from "./raw-statement";

/** A deck row as the view statement returns it. */
export type DeckViewRow = {
  id: string;
  name: string;
  parent_id: string | null;
  description: string | null;
  path: string;
  created_at: number;
  updated_at: number;
  cards: number;
  new: number;
  suspended: number;
  due: number;
  /** The deck's own version (the ETag of GET /decks/:id; the counts do not move it). */
  version: number;
};

/** Cards, new and suspended per deck from the maintained counters (a few rows per deck, whatever the cards). */
const counterSums = (
  where: SQL,
) => sql`SELECT deck_key AS deck_id, sum(n) AS cards, sum(CASE WHEN state = 0 THEN n ELSE 0 END) AS new,
        sum(CASE WHEN suspended THEN n ELSE 0 END) AS suspended, 0 AS due
      FROM card_counts
      WHERE ${where}
      GROUP BY deck_key`;

/** The `rolled` CTE: each deck's own counts (the CTE named `own`) summed into every ancestor through the closure. */
const rolledUp = (own: "per_deck" | "own") =>
  sql.raw(`rolled AS (
      SELECT t.ancestor_id AS id, sum(p.cards) AS cards, sum(p.new) AS new, sum(p.suspended) AS suspended,
        sum(p.due) AS due
      FROM ${own} AS p JOIN deck_tree AS t ON t.descendant_id = p.deck_id
      GROUP BY t.ancestor_id
    )`);

/**
 * The deck view SQL for one of the user's decks (every deck: deckListSql, the same columns). `path_key`
 * orders decks by path: each deck right before its subdecks, case-insensitively (it joins the levels'
 * name keys with char(1), which sorts below every character a name may hold).
 */
export function deckViewSql(userId: string, now: number, deckId: string): SQL {
  // The decks whose cards are counted: the deck's subtree.
  const counted = sql`SELECT descendant_id FROM deck_tree WHERE ancestor_id = ${deckId} AND user_id = ${userId}`;
  const which = sql`d.user_id = ${userId} AND d.id = ${deckId}`;
  return sql`
    WITH per_deck AS (
      -- Cards, new and suspended from the maintained counters (a few rows per deck, whatever the cards).
      ${counterSums(sql`user_id = ${userId} AND deck_key IN (${counted})`)}
      UNION ALL
      -- Due cards from the covering index (grows with the due cards, not the collection).
      -- "+user_id": scope without letting SQLite walk the user's whole card index instead of the decks'.
      SELECT deck_id, 0, 0, 0, count(*)
      FROM flashcards
      WHERE deck_id IN (${counted}) AND state IN (1, 2, 3) AND due <= ${now} AND +user_id = ${userId}
      GROUP BY deck_id
    ),
    ${rolledUp("per_deck")},
    paths AS (
      SELECT d.id AS id,
        group_concat(a.name, '::' ORDER BY t.distance DESC) AS path,
        group_concat(a.name_key, char(1) ORDER BY t.distance DESC) AS path_key
      FROM decks AS d
      JOIN deck_tree AS t ON t.descendant_id = d.id
      JOIN decks AS a ON a.id = t.ancestor_id
      WHERE ${which}
      GROUP BY d.id
    )
    SELECT d.id, d.name, d.parent_id, d.description, p.path, p.path_key, d.created_at, d.updated_at, d.version,
      coalesce(r.cards, 0) AS cards, coalesce(r.new, 0) AS new, coalesce(r.suspended, 0) AS suspended,
      coalesce(r.due, 0) AS due
    FROM decks AS d
    JOIN paths AS p ON p.id = d.id
    LEFT JOIN rolled AS r ON r.id = d.id
    WHERE ${which}`;
}

/**
 * The deck view SQL for every deck of the user (GET /decks), flat at 2,000 decks and 100,000 cards:
 * - own counts per deck: the user's `card_counts` rows as one key range (not a seek per deck), and the
 *   user's due cards grouped by deck from `flashcards_user_due_deck_idx (user_id, due, deck_id) WHERE
 *   state <> 0 AND deck_id IS NOT NULL` (a range over the due cards in decks, no table row; named by
 *   INDEXED BY because without
 *   planner statistics SQLite takes `flashcards_user_review_due_idx`, which lacks deck_id);
 * - rolled up to every ancestor through the closure table, as for one deck;
 * - paths built top-down from the roots by a recursive CTE over `decks_parent_idx` (<= 8 levels), each
 *   step carrying the deck's columns, instead of a per-deck `group_concat(… ORDER BY …)` over the closure.
 * Same columns and `path_key` order as `deckViewSql` (test/deck-plans.test.ts checks the rows against a
 * recount from the cards and the closure).
 */
export function deckListSql(userId: string, now: number): SQL {
  return sql`
    WITH RECURSIVE own AS (
      ${counterSums(sql`user_id = ${userId}`)}
      UNION ALL
      SELECT deck_id, 0, 0, 0, count(*)
      FROM flashcards INDEXED BY flashcards_user_due_deck_idx
      WHERE user_id = ${userId} AND state <> 0 AND deck_id IS NOT NULL AND due <= ${now}
      GROUP BY deck_id
    ),
    ${rolledUp("own")},
    tree AS (
      SELECT id, name, parent_id, description, name AS path, name_key AS path_key, created_at, updated_at, version
      FROM decks
      WHERE user_id = ${userId} AND parent_id IS NULL
      UNION ALL
      SELECT d.id, d.name, d.parent_id, d.description, p.path || '::' || d.name, p.path_key || char(1) || d.name_key,
        d.created_at, d.updated_at, d.version
      FROM tree AS p JOIN decks AS d ON d.parent_id = p.id
    )
    SELECT d.id, d.name, d.parent_id, d.description, d.path, d.path_key, d.created_at, d.updated_at, d.version,
      coalesce(r.cards, 0) AS cards, coalesce(r.new, 0) AS new, coalesce(r.suspended, 0) AS suspended,
      coalesce(r.due, 0) AS due
    FROM tree AS d
    LEFT JOIN rolled AS r ON r.id = d.id`;
}

/**
 * Selects the named columns of a hand-written SELECT as a drizzle query. (drizzle's `db.all(sql)` cannot
 * go into a D1 batch when it has parameters, so hand-written reads are wrapped as a subquery.)
 */
export function selectFromSql<T extends Record<string, unknown>>(db: Db, inner: SQL, columns: (keyof T & string)[]) {
  const fields = Object.fromEntries(columns.map((name) => [name, sql.raw(`"${name}"`)])) as {
    [K in keyof T]: SQL<T[K]>;
  };
  return db.select(fields).from(sql`(${inner})`);
}

const DECK_VIEW_COLUMNS: (keyof DeckViewRow)[] = [
  "id",
  "name",
  "parent_id",
  "description",
  "path",
  "created_at",
  "updated_at",
  "cards",
  "new",
  "suspended",
  "due",
  "version",
];

/** The view's columns as a SELECT list (the text selectFromSql would write). */
const DECK_VIEW_SELECT = sql.raw(DECK_VIEW_COLUMNS.map((name) => `"${name}"`).join(", "));

/**
 * The deck view statement, ready for a batch; its result is the rows in path order (D1's row objects,
 * keyed by DeckViewRow's names): every deck of the user (deckListSql) or the one `deckId` (deckViewSql).
 * Raw rows, not drizzle's mapping: 2,000 decks × 12 columns went through drizzle's per-field mapping
 * for nothing (every column is a plain SQL value under its own name).
 */
export const deckView = (db: Db, userId: string, now: number, deckId?: string) =>
  rawAll<DeckViewRow>(
    db,
    sql`select ${DECK_VIEW_SELECT} from (${deckId ? deckViewSql(userId, now, deckId) : deckListSql(userId, now)}) order by "path_key"`,
    true,
  );

/** How many cards the deck and its subdecks hold, and whether the deck is the user's. */
export const deckContents = (db: Db, userId: string, deckId: string) =>
  selectFromSql<{ found: number; cards: number }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM decks WHERE id = ${deckId} AND user_id = ${userId}) AS found,
      (SELECT count(*) FROM flashcards WHERE user_id = ${userId} AND deck_id IN (${subtreeSql(userId, deckId)})) AS cards`,
    ["found", "cards"],
  );

/** The ids of a deck and all its subdecks (empty for another user's deck). */
export const subtreeSql = (userId: string, deckId: string) =>
  sql`SELECT descendant_id FROM deck_tree WHERE ancestor_id = ${deckId} AND user_id = ${userId}`;
