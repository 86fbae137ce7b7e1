/**
 * Helpers for hand-written, set-based statements (`json_each` over one JSON parameter): their rows come
 * back with SQL column names, and their column lists are derived from the drizzle tables so a column
 * added to schema.ts cannot be forgotten in them.
 */
import { getTableColumns, type InferSelectModel } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/** The table's columns as [drizzle key, SQL name] pairs, in declaration order. */
export function columnPairs(table: SQLiteTable): Array<[string, string]> {
  return Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name]);
}

/** Maps a row read by raw SQL (keys are SQL column names) to the table's drizzle shape. */
export function fromSqlRow<T extends SQLiteTable>(table: T, row: Record<string, unknown>): InferSelectModel<T> {
  const out: Record<string, unknown> = {};
  // Through each column's own mapping (booleans come back from SQL as 0/1).
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? value : column.mapFromDriverValue(value);
  }
  return out as InferSelectModel<T>;
}

/** Maps a drizzle-shaped object to SQL column names (for a JSON parameter read with `json_each`). */
export function toSqlRow(table: SQLiteTable, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, name] of columnPairs(table)) if (key in row) out[name] = row[key];
  return out;
}
