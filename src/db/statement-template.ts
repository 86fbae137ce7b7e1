/**
 * Hot statements built once per isolate (#19). drizzle builds a statement's SQL text from its builder on
 * every call (0.15–0.6 ms per request for the hot paths), although the text depends only on the
 * statement's shape. A template keeps the typed drizzle query as the one source of the SQL: it is built
 * once, with `sql.placeholder(name)` where the request's values go, and each request then prepares that
 * text on its own D1 session (`c.get("d1")`, through `deps.db`) and binds its values, inside the batch.
 *
 * drizzle's own `.prepare()` does not fit: a prepared query is tied to the binding it was prepared on
 * (not to the request's session), and `db.batch()` binds builder parameters without filling
 * placeholders. The template reuses drizzle's result mapping (column names to fields, booleans,
 * timestamps) from the query it built, so rows come back exactly as the builder's would. Hand-written
 * statements (`rawAll`) work the same way: their placeholders are filled like a builder's.
 */
import { fillPlaceholders, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";
import { createDb } from "./client";

/** What drizzle's D1 batch needs from an item (see drizzle-orm/d1/session.js `batch`). */
type PreparedLike = {
  getQuery(): { sql: string; params: unknown[] };
  mapResult(response: unknown, isFromBatch?: boolean): unknown;
};

/** One statement's SQL text and parameters (placeholders among them) and drizzle's result mapping. */
type Built = { sql: string; params: unknown[]; prepared: PreparedLike };

/** A D1 binding that only has to exist: templates are built, never run, on it. */
const buildOnly = createDb({
  prepare: () => ({}),
  batch: () => Promise.reject(new Error("a template database runs nothing")),
} as unknown as D1Database);

/** Builds a query on the build-only database and keeps its text, parameters and mapping. */
function built(query: BatchItem<"sqlite">): Built {
  const prepared = (query as unknown as { _prepare(): PreparedLike })._prepare();
  const { sql, params } = prepared.getQuery();
  return { sql, params, prepared };
}

/** The batch item for one request: the template's text on `db`, its placeholders filled from `values`. */
function bound<Q>({ sql, params: templateParams, prepared }: Built, db: Db, values: Record<string, unknown>): Q {
  // drizzle's own filling (a placeholder in a column's Param goes through the column's encoder).
  const params = fillPlaceholders(templateParams, values);
  // Prepared when the batch asks (like drizzle's own items), so statements are prepared in batch order.
  const item = () => ({
    getQuery: () => ({ sql, params }),
    stmt: db.$client.prepare(sql),
    mapResult: (response: unknown, isFromBatch?: boolean) => prepared.mapResult(response, isFromBatch),
  });
  return { _prepare: item } as unknown as Q;
}

/**
 * A statement template: `build(db)` is called once per isolate with placeholders for the values; the
 * returned function gives, per request, the same query (same type, so `authedBatch` infers its rows)
 * bound to `values` on the request's `db`.
 * @throws Error when a placeholder has no value (drizzle's message; a programming error).
 */
export function statementTemplate<Q extends BatchItem<"sqlite">, Values extends Record<string, unknown>>(
  build: (db: Db) => Q,
): (db: Db, values: Values) => Q {
  let template: Built | undefined;
  return (db, values) => {
    template ??= built(build(buildOnly));
    return bound<Q>(template, db, values);
  };
}

/**
 * Several statements from one builder (a request's whole read, e.g. the study queue's): built together
 * once per isolate, bound together per request, in the builder's order.
 * @throws Error when a placeholder has no value (a programming error).
 */
export function statementTemplates<
  const Qs extends readonly BatchItem<"sqlite">[],
  Values extends Record<string, unknown>,
>(build: (db: Db) => Qs): (db: Db, values: Values) => Qs {
  let templates: Built[] | undefined;
  return (db, values) => {
    templates ??= build(buildOnly).map(built);
    return templates.map((template) => bound(template, db, values)) as unknown as Qs;
  };
}

/** A named placeholder where a builder expects a value: the template binds `values[name]` per request. */
export const slot = <T = string>(name: string) => sql.placeholder(name) as unknown as T;
