/**
 * Request and response schemas of the imports endpoints.
 */
import * as z from "zod";
import { IMPORT_FORMATS } from "../../db/schema";

/** The largest import file (Anki text, CSV, TSV). */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
/** The largest account.json a request takes (a bigger account is sent in parts of at most 5,000 cards). */
export const ACCOUNT_IMPORT_MAX_BYTES = 20 * 1024 * 1024;
/** The media type of an account.json import. */
export const ACCOUNT_MEDIA_TYPE = "application/json";
/** Rejected rows and warnings listed in a response (the counts keep counting). */
export const LISTED_MAX = 100;

/** Media types `POST /imports` reads, and the reader each one selects. */
export const IMPORT_MEDIA_TYPES = {
  "text/plain": "anki",
  "text/tab-separated-values": "tsv",
  "text/csv": "csv",
} as const;

const booleanFlag = z.enum(["true", "false"], "Must be 'true' or 'false'.").transform((value) => value === "true");

/** The query of `POST /imports` (format, deck, duplicates). */
export const importQuerySchema = z.strictObject({
  deck_id: z
    .uuid("Must be a UUID.")
    .optional()
    .meta(ROUTE_DOCS ? { description: "The deck of rows without a deck column." } : {}),
  duplicates: z
    .enum(["skip", "allow"], "Must be 'skip' or 'allow'.")
    .default("skip")
    .meta(
      ROUTE_DOCS
        ? { description: "skip: a row whose front matches a card of its deck, or an earlier row, is not imported." }
        : {},
    ),
  dry_run: booleanFlag
    .default(false)
    .meta(ROUTE_DOCS ? { description: "true: read and count, write nothing (200)." } : {}),
});

/** A validated import query. */
export type ImportQuery = z.infer<typeof importQuerySchema>;

const noticeSchema = z.object({ line: z.int().nullable(), code: z.string(), message: z.string() });

/** An import record as the API shows it. */
export const importSchema = z
  .object({
    id: z
      .uuid()
      .nullable()
      .meta(ROUTE_DOCS ? { description: "null for a dry run (nothing recorded)." } : {}),
    format: z.enum(IMPORT_FORMATS),
    dry_run: z.boolean(),
    duplicates: z.enum(["skip", "allow"]),
    target_deck_id: z.uuid().nullable(),
    total_rows: z.int(),
    created: z.int(),
    skipped_duplicates: z.int(),
    rejected: z.int(),
    decks_created: z.int(),
    warnings: z.array(noticeSchema).meta(ROUTE_DOCS ? { description: `The first ${LISTED_MAX} warnings.` } : {}),
    created_at: z.iso.datetime(),
  })
  .meta(ROUTE_DOCS ? { id: "Import" } : {});

/** The body of `POST /imports`: the record and the rows that were not imported. */
export const importResultSchema = z.object({
  import: importSchema,
  rejected_rows: z
    .array(noticeSchema)
    .meta(
      ROUTE_DOCS
        ? { description: `The first ${LISTED_MAX} rejected rows; \`line\` is where the row starts in the file.` }
        : {},
    ),
});

/** The body of `GET /imports`. */
export const importListSchema = z.object({
  data: z.array(importSchema),
  pagination: z.object({ limit: z.int(), next_cursor: z.string().nullable(), has_more: z.boolean() }),
});

/** An import record as a handler returns it. */
export type ImportJson = z.infer<typeof importSchema>;
/** The body of `POST /imports` as a handler returns it. */
export type ImportResult = z.infer<typeof importResultSchema>;
