/**
 * HTTP contract of the imports: a file in (Anki text, CSV, TSV), cards out, and the record of past
 * imports. Every route requires a bearer token. `POST /imports` has its own 2 MB body limit.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { unsupportedMediaType } from "../../lib/errors";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { limitBodyTo } from "../../middleware/body-limit";
import { getImport, importFile, listImports } from "./imports.handlers";
import {
  IMPORT_MAX_BYTES,
  IMPORT_MEDIA_TYPES,
  importListSchema,
  importQuerySchema,
  importResultSchema,
  importSchema,
} from "./imports.schemas";

type ImportMediaType = keyof typeof IMPORT_MEDIA_TYPES;

const mediaTypeOf = (header: string | undefined) => (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/** 415 unless the body is one of the file types an import reads (checked before the body is read). */
const importMediaType = (): MiddlewareHandler<AppEnv> =>
  async function importMediaType(c, next) {
    if (!(mediaTypeOf(c.req.header("content-type")) in IMPORT_MEDIA_TYPES)) {
      throw unsupportedMediaType(`Send the file with Content-Type ${Object.keys(IMPORT_MEDIA_TYPES).join(", ")}.`);
    }
    await next();
  };

/** The documented example of an Anki notes file. */
const ANKI_EXAMPLE = [
  "#separator:tab",
  "#html:true",
  "#guid column:1",
  "#notetype column:2",
  "#deck column:3",
  "#tags column:6",
  "a1B2c3D4e5\tBasic\tLanguages::Polish\tkot\tcat<br>(a small feline)\tnouns animals",
  "",
].join("\n");

export const importRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute({
      operationId: "importFile",
      summary: "Import cards from an Anki text export, a CSV or a TSV (all or nothing)",
      description: [
        "The body is the file (at most 2 MB and 5,000 rows; a bigger file is sent in parts: 400 `too_many_rows` says how to split it).",
        '`text/plain`: Anki\'s "Notes in Plain Text" with its header lines (`#separator`, `#html`, `#tags`, `#columns`, `#deck`, `#deck column`, `#tags column`, `#notetype column`, `#guid column`; unknown ones are warnings) or without them;',
        "`text/csv` / `text/tab-separated-values`: a spreadsheet, separator and header row sniffed, columns front, back, tags (a header row may name `deck` and `tags`).",
        "Deck paths use `::` and create missing decks, merged by path with the caller's. With `#html:true` HTML becomes plain text and media references are dropped with a warning.",
        "A row that does not fit (empty side, front over 200 or back over 500 characters, more than 20 tags, a bad deck path) is rejected with its line, never truncated.",
        'Cards get `source: "imported"`. Invalid UTF-8 → 400 `invalid_encoding`.',
      ].join(" "),
      tag: "portability",
      rawBodies: {
        "text/plain": { schema: { type: "string", maxLength: IMPORT_MAX_BYTES }, example: ANKI_EXAMPLE },
        "text/csv": {
          schema: { type: "string" },
          example: "Front;Back;Tags\r\nMitochondrion;Powerhouse of the cell;biology\r\n",
        },
        "text/tab-separated-values": { schema: { type: "string" }, example: "kot\tcat\tnouns\n" },
      },
      success: {
        status: 201,
        description: "Imported (200 with `dry_run=true`: counted, nothing written).",
        schema: importResultSchema,
      },
      errors: [404, 409],
    }),
    requireAuth(),
    validate("query", importQuerySchema),
    importMediaType(),
    limitBodyTo(IMPORT_MAX_BYTES),
    async (c) => {
      const mediaType = mediaTypeOf(c.req.header("content-type")) as ImportMediaType;
      const result = await importFile(authedDeps(c), {
        bytes: await c.req.arrayBuffer(),
        hint: IMPORT_MEDIA_TYPES[mediaType],
        query: c.req.valid("query"),
      });
      return c.json(result.body, result.status);
    },
  )
  .get(
    "/",
    describeRoute({
      operationId: "listImports",
      summary: "The caller's past imports, newest first",
      tag: "portability",
      success: { status: 200, description: "A page of imports.", schema: importListSchema },
    }),
    requireAuth(),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listImports(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    describeRoute({
      operationId: "getImport",
      summary: "One past import with its first 100 rejected rows",
      tag: "portability",
      success: { status: 200, description: "The import.", schema: importResultSchema },
      errors: [404],
    }),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await getImport(authedDeps(c), c.req.valid("param").id), 200);
    },
  );

export { importSchema };
