/**
 * Request and response schemas of the change feed (GET /sync/changes, issue #14).
 */
import * as z from "zod";
import { CHANGE_ENTITIES } from "../../db/schema";
import { cursorParam } from "../../lib/params";
import { flashcardSchema } from "../flashcards/flashcards.schemas";
import { reviewSchema } from "../reviews/reviews.schemas";
import { settingsSchema } from "../settings/settings.schemas";

/** Default and largest feed page. */
export const FEED_PAGE_DEFAULT = 100;
/** The most changes one page of the feed returns. */
export const FEED_PAGE_MAX = 1000;

/** The query of `GET /sync/changes`: where to resume (`cursor`) and how many. */
export const changesQuerySchema = z.strictObject({
  since: cursorParam.meta(
    ROUTE_DOCS
      ? {
          description:
            "The `next_cursor` of the previous page or poll; absent: the whole collection from the start (the initial sync).",
        }
      : {},
  ),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `Must be a whole number from 1 to ${FEED_PAGE_MAX}.`)
    .transform(Number)
    .pipe(z.number().min(1, "Must be at least 1.").max(FEED_PAGE_MAX, `Must be at most ${FEED_PAGE_MAX}.`))
    .default(FEED_PAGE_DEFAULT),
});

/** A deck as the feed carries it: its own fields (a client derives paths from parents; counts are live). */
export const feedDeckSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    parent_id: z.uuid().nullable(),
    description: z.string().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta(ROUTE_DOCS ? { id: "FeedDeck" } : {});

/** A tag as the change feed carries it. */
export const feedTagSchema = z.object({ id: z.uuid(), name: z.string() }).meta(ROUTE_DOCS ? { id: "FeedTag" } : {});

/** A study session as the change feed carries it. */
export const feedStudySessionSchema = z
  .object({
    id: z.uuid(),
    card_ids: z.array(z.uuid()),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta(ROUTE_DOCS ? { id: "FeedStudySession" } : {});

/** One change of the feed: what changed and its new state (or that it was deleted). */
export const changeSchema = z
  .object({
    entity: z.enum(CHANGE_ENTITIES),
    op: z.enum(["upsert", "delete"]).meta(
      ROUTE_DOCS
        ? {
            description:
              "`upsert`: store `data` under `id`. `delete`: remove it (a card's deletion also removes its reviews).",
          }
        : {},
    ),
    id: z
      .uuid()
      .meta(ROUTE_DOCS ? { description: "The entity's id (for `settings`, the user's id: there is one)." } : {}),
    seq: z.int().meta(ROUTE_DOCS ? { description: "The per-user sequence number; the feed is ordered by it." } : {}),
    data: z
      .union([flashcardSchema, reviewSchema, feedDeckSchema, feedTagSchema, feedStudySessionSchema, settingsSchema])
      .optional()
      .meta(ROUTE_DOCS ? { description: "The entity as it is now (upserts only)." } : {}),
  })
  .meta(ROUTE_DOCS ? { id: "Change" } : {});

/** The body of `GET /sync/changes`: a page of changes and the cursor to resume from. */
export const changeFeedSchema = z.object({
  data: z.array(changeSchema),
  pagination: z.object({
    limit: z.int(),
    next_cursor: z
      .string()
      .meta(
        ROUTE_DOCS ? { description: "Always present: pass as `since` to continue, also after an empty page." } : {},
      ),
    has_more: z.boolean(),
  }),
});

/** A validated change-feed query. */
export type ChangesQuery = z.infer<typeof changesQuerySchema>;
/** One change as a handler returns it. */
export type ChangeJson = z.infer<typeof changeSchema>;
/** A page of the change feed as a handler returns it. */
export type ChangeFeedJson = z.infer<typeof changeFeedSchema>;
