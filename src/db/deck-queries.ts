/**
 * Reads of decks with their path and card counts, each one SQL statement (so one round trip with the
 * session check). Counts include subdecks: per deck, cards/new/suspended come from the maintained
 * `card_counts` rows and due cards from the covering index `flashcards_deck_state_due_idx (deck_id,
 * state, due, user_id)`, then they are rolled up to every ancestor through the closure table
 * `deck_tree` (<= 8 rows per deck). Exported builders so tests can EXPLAIN them.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";

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

/**
 * The deck view SQL for the user's decks (all of them, or the one `deckId`). `path_key` orders them by
 * path: each deck right before its subdecks, case-insensitively (it joins the levels' name keys with
 * char(1), which sorts below every character a name may hold).
 */
export function deckViewSql(userId: string, now: number, deckId?: string): SQL {
  // The decks whose cards are counted: all of the user's, or the one deck's subtree.
  const counted = deckId
    ? sql`SELECT descendant_id FROM deck_tree WHERE ancestor_id = ${deckId} AND user_id = ${userId}`
    : sql`SELECT id FROM decks WHERE user_id = ${userId}`;
  const which = deckId ? sql`d.user_id = ${userId} AND d.id = ${deckId}` : sql`d.user_id = ${userId}`;
  return sql`
    WITH per_deck AS (
      -- Cards, new and suspended from the maintained counters (a few rows per deck, whatever the cards).
      SELECT deck_key AS deck_id, sum(n) AS cards, sum(CASE WHEN state = 0 THEN n ELSE 0 END) AS new,
        sum(CASE WHEN suspended THEN n ELSE 0 END) AS suspended, 0 AS due
      FROM card_counts
      WHERE user_id = ${userId} AND deck_key IN (${counted})
      GROUP BY deck_key
      UNION ALL
      -- Due cards from the covering index (grows with the due cards, not the collection).
      -- "+user_id": scope without letting SQLite walk the user's whole card index instead of the decks'.
      SELECT deck_id, 0, 0, 0, count(*)
      FROM flashcards
      WHERE deck_id IN (${counted}) AND state IN (1, 2, 3) AND due <= ${now} AND +user_id = ${userId}
      GROUP BY deck_id
    ),
    rolled AS (
      SELECT t.ancestor_id AS id, sum(p.cards) AS cards, sum(p.new) AS new, sum(p.suspended) AS suspended,
        sum(p.due) AS due
      FROM per_deck AS p JOIN deck_tree AS t ON t.descendant_id = p.deck_id
      GROUP BY t.ancestor_id
    ),
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

/** The deck view statement (see deckViewSql), ready for a batch; rows in path order. */
export const deckView = (db: Db, userId: string, now: number, deckId?: string) =>
  selectFromSql<DeckViewRow & { path_key: string }>(db, deckViewSql(userId, now, deckId), DECK_VIEW_COLUMNS).orderBy(
    sql`"path_key"`,
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
