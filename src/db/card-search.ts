/**
 * The search plans of GET /flashcards?q= (#19): every search reads a bounded number of rows, whatever
 * the term, its length and the size of anyone's collection. Two plans run in the list's one batch, and a
 * capped count of the term's FTS matches switches exactly one of them on (the other's LIMIT is 0):
 *
 * - **FTS drives** (a term of 3+ code points matching at most SEARCH_FTS_CAP rows of the FTS index, all
 *   users): the matched rows are read by rowid, kept when they are the caller's and pass the filters,
 *   sorted and cut to a page. Exact; a term with no match reads nothing but the index.
 * - **Bounded walk** (1–2 code points always, the trigram index cannot answer them; 3+ when the term is
 *   common): the next SEARCH_WINDOW cards of the caller in the list's order are the candidates, the
 *   matching ones are sorted and cut to a page. When the window holds fewer than a page of matches, the
 *   page ends at the window's last card (`windowEnd`): the next page resumes there, so a page can hold
 *   fewer cards than `limit` while `has_more` is true.
 *
 * See .ai/flashcards-implementation-plan.md ("Search plans").
 */
import { and, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { selectFromSql } from "./deck-queries";
import { ofUser } from "./ownership";
import { flashcardColumns } from "./projections";
import { flashcards } from "./schema";

/** FTS matches (all users) up to which FTS drives the search; above, the bounded walk does. */
export const SEARCH_FTS_CAP = 500;
/** Cards of the caller one walk reads (the most `flashcards` rows a walking search reads per page). */
export const SEARCH_WINDOW = 1000;
/** The trigram index answers a term of at least this many code points. */
export const FTS_MIN_CODE_POINTS = 3;

/** An FTS5 query matching `text` as one literal phrase: no FTS syntax from the client is interpreted. */
export const ftsPhrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** True when the trigram index can answer `q` (3+ code points: an emoji counts once, as for trigrams). */
export const ftsCanMatch = (q: string) => [...q].length >= FTS_MIN_CODE_POINTS;

/** A LIKE pattern finding `q` anywhere, with LIKE's own characters escaped (`ESCAPE '\'`). */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** What a search is made of: the caller, the term, the list's other filters, its order and page size. */
export type SearchInput = {
  userId: string;
  q: string;
  /** The list's filters (scope, source, state …) on `flashcards`, without the user. */
  filters: SQL[];
  /** The keyset seek past the cursor, if any. */
  after: SQL | undefined;
  /** The list's ORDER BY (key, id), its sort key column and direction. */
  orderBy: readonly SQL[];
  key: SQLiteColumn;
  descending: boolean;
  limit: number;
};

/** 1 when FTS drives (the term matches at most SEARCH_FTS_CAP index rows), else 0; null for 1–2 code points. */
function ftsDrives(q: string): SQL | null {
  if (!ftsCanMatch(q)) return null;
  return sql`(SELECT count(*) <= ${SEARCH_FTS_CAP} FROM (SELECT 1 FROM flashcards_fts WHERE flashcards_fts MATCH ${ftsPhrase(q)} LIMIT ${SEARCH_FTS_CAP + 1}))`;
}

/** The condition "the card matches q" for a walk's candidates. */
function matches(q: string): SQL {
  if (ftsCanMatch(q)) {
    // One probe of the index per candidate (rowid and phrase): never the term's whole match list,
    // which is long exactly when this plan runs.
    return sql`EXISTS (SELECT 1 FROM flashcards_fts WHERE flashcards_fts MATCH ${ftsPhrase(q)} AND rowid = ${flashcards}.rowid)`;
  }
  const pattern = containsPattern(q);
  return sql`(${flashcards.front} LIKE ${pattern} ESCAPE '\\' OR ${flashcards.back} LIKE ${pattern} ESCAPE '\\')`;
}

/**
 * The statements of one search, for the list's batch: `fts` (absent for 1–2 code points), `walk` and
 * `windowEnd`. At most one of `fts` and `walk` returns rows; `windowEnd` returns the walk window's last
 * card (key and id) only when the walk ran and its window was full.
 */
export function searchStatements(db: Db, input: SearchInput) {
  const { userId, q, filters, after, orderBy, key, descending, limit } = input;
  const gate = ftsDrives(q);
  const walkLimit = gate ? sql`${SEARCH_WINDOW} * (1 - ${gate})` : sql`${SEARCH_WINDOW}`;
  const own = and(ofUser(flashcards, userId), ...filters, after);
  // The window is a co-routine in the list's order, read until a page of matches turns up (SQLite
  // keeps its order for the outer ORDER BY: no sort), so a common term stops after a few rows.
  const window = sql`(SELECT ${flashcards}.rowid AS r, ${key} AS k, ${flashcards.id} AS i FROM ${flashcards} WHERE ${own} ORDER BY ${sql.join([...orderBy], sql`, `)} LIMIT ${walkLimit}) AS w`;
  const direction = sql.raw(descending ? "desc" : "asc");
  const walk = db
    .select(flashcardColumns)
    .from(window)
    .innerJoin(flashcards, sql`${flashcards}.rowid = w.r`)
    .where(matches(q))
    .orderBy(sql`w.k ${direction}`, sql`w.i ${direction}`)
    .limit(limit + 1);
  // LIMIT, not WHERE, switches it off: SQLite evaluates a subquery term per row, a LIMIT once.
  const windowEnd = selectFromSql<{ key: number; id: string }>(
    db,
    sql`SELECT ${key} AS "key", ${flashcards.id} AS "id" FROM ${flashcards} WHERE ${own} ORDER BY ${sql.join([...orderBy], sql`, `)} LIMIT (${walkLimit}) > 0 OFFSET ${SEARCH_WINDOW - 1}`,
    ["key", "id"],
  );
  if (!gate) return { walk, windowEnd };
  // `+user_id`: SQLite must read the matched rowids, not walk the user's index (that is the other plan).
  const fts = db
    .select(flashcardColumns)
    .from(flashcards)
    .where(
      and(
        sql`${flashcards}.rowid IN (SELECT rowid FROM flashcards_fts WHERE flashcards_fts MATCH ${ftsPhrase(q)} LIMIT ${SEARCH_FTS_CAP} * ${gate})`,
        sql`+${flashcards.userId} = ${userId}`,
        ...filters,
        after,
      ),
    )
    .orderBy(...orderBy)
    .limit(limit + 1);
  return { fts, walk, windowEnd };
}
