/**
 * HTTP contract of the imports: a file in (Anki text, CSV, TSV) or a whole account.json, cards out, and
 * the record of past imports. Every route requires a bearer token. `POST /imports` has its own body
 * limits: 2 MB for a file, 20 MB for an account.json.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { unsupportedMediaType } from "../../lib/errors";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { describeRoute, markInput } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { limitBodyTo } from "../../middleware/body-limit";
import { accountDocumentSchema } from "../exports/account.schemas";
import { importAccount } from "./account-import.handlers";
import { getImport, importFile, listImports } from "./imports.handlers";
import {
  ACCOUNT_IMPORT_MAX_BYTES,
  ACCOUNT_MEDIA_TYPE,
  IMPORT_MAX_BYTES,
  IMPORT_MEDIA_TYPES,
  importListSchema,
  importQuerySchema,
  importResultSchema,
  importSchema,
} from "./imports.schemas";

type ImportMediaType = keyof typeof IMPORT_MEDIA_TYPES;

const mediaTypeOf = (header: string | undefined) => (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

/**
 * 415 unless the body is one of the file types an import reads or an account.json (checked before the
 * body is read), then the body limit of that type. Marked as the route's JSON body (the account
 * document) for the OpenAPI document; the file types are its `rawBodies`.
 */
const importMediaType = (): MiddlewareHandler<AppEnv> => {
  const limitFile = limitBodyTo(IMPORT_MAX_BYTES);
  const limitAccount = limitBodyTo(ACCOUNT_IMPORT_MAX_BYTES);
  return markInput(
    async function importMediaType(c, next) {
      const mediaType = mediaTypeOf(c.req.header("content-type"));
      if (mediaType === ACCOUNT_MEDIA_TYPE) return limitAccount(c, next);
      if (!(mediaType in IMPORT_MEDIA_TYPES)) {
        throw unsupportedMediaType(
          `Send the file with Content-Type ${[...Object.keys(IMPORT_MEDIA_TYPES), ACCOUNT_MEDIA_TYPE].join(", ")}.`,
        );
      }
      return limitFile(c, next);
    } as MiddlewareHandler<AppEnv>,
    "json",
    accountDocumentSchema,
  );
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

/** Import a file of cards and read past imports, under `/api/v1/imports`. */
export const importRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "importFile",
        summary: "Import cards from an Anki text export, a CSV or a TSV (all or nothing)",
        description: [
          "The body is the file (at most 2 MB and 5,000 rows; a bigger file is sent in parts: 400 `too_many_rows` says how to split it).",
          '`text/plain`: Anki\'s "Notes in Plain Text" with its header lines (`#separator`, `#html`, `#tags`, `#columns`, `#deck`, `#deck column`, `#tags column`, `#notetype column`, `#guid column`; unknown ones are warnings) or without them;',
          "`text/csv` / `text/tab-separated-values`: a spreadsheet, separator and header row sniffed, columns front, back, tags (a header row may name `deck` and `tags`).",
          "Deck paths use `::` and create missing decks, merged by path with the caller's. With `#html:true` HTML becomes plain text and media references are dropped with a warning.",
          "A row that does not fit (empty side, front over 200 or back over 500 characters, more than 20 tags, a bad deck path) is rejected with its line, never truncated.",
          'Cards get `source: "imported"`. Invalid UTF-8 → 400 `invalid_encoding`.',
          "`application/json`: an `account.json` (`GET /exports/account.json`, the AccountDocument schema; at most 20 MB and 5,000 cards, a bigger account in parts: 400 `too_many_rows` says how) restored into the caller's account: decks merged by path, tags by name, cards with their study state, review history, sessions, generations and settings (when the caller has none); every id is replaced, and sending a document or part again adds nothing.",
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
      },
    ),
    requireAuth(),
    validate("query", importQuerySchema),
    importMediaType(),
    async (c) => {
      const mediaType = mediaTypeOf(c.req.header("content-type"));
      const bytes = await c.req.arrayBuffer();
      const query = c.req.valid("query");
      const result =
        mediaType === ACCOUNT_MEDIA_TYPE
          ? await importAccount(authedDeps(c), { bytes, query })
          : await importFile(authedDeps(c), {
              bytes,
              hint: IMPORT_MEDIA_TYPES[mediaType as ImportMediaType],
              query,
            });
      return c.json(result.body, result.status);
    },
  )
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listImports",
        summary: "The caller's past imports, newest first",
        tag: "portability",
        success: { status: 200, description: "A page of imports.", schema: importListSchema },
      },
    ),
    requireAuth(),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listImports(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getImport",
        summary: "One past import with its first 100 rejected rows",
        tag: "portability",
        success: { status: 200, description: "The import.", schema: importResultSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await getImport(authedDeps(c), c.req.valid("param").id), 200);
    },
  );

export { importSchema };
