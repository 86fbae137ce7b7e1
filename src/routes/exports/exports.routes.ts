/**
 * HTTP contract of the exports: three streamed downloads of the caller's data. Every route requires a
 * bearer token. The body is a stream: a failure after the first byte aborts it (see paged-stream.ts).
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { attachment } from "../../portability/text-formats";
import { accountDocumentSchema } from "./account.schemas";
import { exportAccount, exportAnkiText, exportCardsCsv } from "./exports.handlers";

const ankiQuerySchema = z.strictObject({
  deck_id: z
    .uuid("Must be a UUID.")
    .optional()
    .meta(
      ROUTE_DOCS
        ? { description: "Only the cards of this deck and its subdecks (404 when it is not the caller's)." }
        : {},
    ),
});
/** The other exports take no query parameters (unknown ones are 400). */
const noQuerySchema = z.strictObject({});

/** Headers of a download: its media type, a file name, and never a cached copy (private data). */
const download = (contentType: string, filename: string) => ({
  "Content-Type": contentType,
  "Content-Disposition": attachment(filename),
  "Cache-Control": "no-store",
});
/** The documented `Content-Disposition` of every download. */
const DISPOSITION = {
  "Content-Disposition": {
    description: '`attachment; filename="…"`: browsers save the body as a file.',
    schema: { type: "string" },
  },
};

/** The streamed exports (Anki text, CSV, account JSON), under `/api/v1/exports`. */
export const exportRoutes = new Hono<AppEnv>()
  .get(
    "/anki.txt",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "exportAnkiText",
        summary: 'Every card in Anki\'s "Notes in Plain Text" format (streamed)',
        description:
          "Tab-separated, `#html:false`, one Basic note per card with deck and tags columns, so Anki's importer (File → Import) puts every card in its deck with its tags. Fields holding a tab, quote or newline are quoted with doubled quotes. Streamed: a failure after the first byte aborts the download.",
        tag: "portability",
        success: {
          status: 200,
          description: "The notes file.",
          headers: DISPOSITION,
          content: {
            "text/plain": {
              schema: { type: "string" },
              example:
                "#separator:tab\n#html:false\n#notetype:Basic\n#columns:Front\tBack\tDeck\tTags\n#deck column:3\n#tags column:4\nkot\tcat\tLanguages::Polish\tnouns\n",
            },
          },
        },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("query", ankiQuerySchema),
    async (c) => {
      const stream = await exportAnkiText(authedDeps(c), c.req.valid("query"));
      return c.body(stream, 200, download("text/plain; charset=utf-8", "flashcards-anki.txt"));
    },
  )
  .get(
    "/cards.csv",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "exportCardsCsv",
        summary: "Every card as RFC 4180 CSV (streamed)",
        description:
          "Header row `front,back,deck,tags,source,created_at,due,state`; CRLF line ends; `deck` is the deck path with `::`, `tags` space-separated. Streamed: a failure after the first byte aborts the download.",
        tag: "portability",
        success: {
          status: 200,
          description: "The CSV file.",
          headers: DISPOSITION,
          content: {
            "text/csv": {
              schema: { type: "string" },
              example:
                "front,back,deck,tags,source,created_at,due,state\r\nkot,cat,Languages::Polish,nouns,manual,2026-11-30T00:00:00.000Z,2026-11-30T00:00:00.000Z,new\r\n",
            },
          },
        },
      },
    ),
    requireAuth(),
    validate("query", noQuerySchema),
    async (c) => {
      const stream = await exportCardsCsv(authedDeps(c));
      return c.body(stream, 200, download("text/csv; charset=utf-8; header=present", "flashcards.csv"));
    },
  )
  .get(
    "/account.json",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "exportAccount",
        summary: "Everything the account owns, as one JSON document (streamed)",
        description:
          '`{ format: "flashcards-api.account", format_version: 1, exported_at, user, settings, decks, tags, cards, generations, generation_error_logs, review_logs, study_sessions, complete: true }`. Never a password or token hash. Streamed: a failure after the first byte aborts the download, so a file without `"complete": true` at its end is truncated. `POST /imports` with `Content-Type: application/json` restores it.',
        tag: "portability",
        success: {
          status: 200,
          description: "The account document (format_version 1; the AccountDocument schema is also the import's body).",
          headers: DISPOSITION,
          schema: accountDocumentSchema,
        },
      },
    ),
    requireAuth(),
    validate("query", noQuerySchema),
    async (c) => {
      const stream = await exportAccount(authedDeps(c));
      return c.body(stream, 200, download("application/json", "flashcards-account.json"));
    },
  );
