/**
 * Request schemas of the flashcards endpoints.
 */
import * as z from "zod";
import { MAX_PROPOSALS } from "../../ai/proposals";
import { cardScopeQuery, cardTagsSchema } from "../../lib/card-scope-params";
import { cardBack, cardFront } from "../../lib/card-text";
import { cursorParam, learnerDateParam, limitParam, paginationSchema } from "../../lib/params";

/** The sources a client may send when creating cards (`imported` is written only by POST /imports). */
export const FLASHCARD_SOURCES = ["manual", "ai-full", "ai-edited"] as const;
/** Every source a card can have: filters and responses list `imported` too. */
export const CARD_SOURCES = [...FLASHCARD_SOURCES, "imported"] as const;

/** Cards per `POST /flashcards` request. */
export const MAX_BULK = 100;
/** The shortest `q` the search accepts (1–2 characters are searched with LIKE on a bounded window). */
export const SEARCH_MIN = 1;
/** The longest `q` the search accepts. */
export const SEARCH_MAX = 200;

const newFlashcard = z
  .strictObject({
    front: cardFront,
    back: cardBack,
    source: z.enum(FLASHCARD_SOURCES, `Must be one of: ${FLASHCARD_SOURCES.join(", ")}.`),
    generation_id: z.uuid("Must be a UUID.").nullish(),
    proposal_index: z
      .int("Must be an integer.")
      .min(0, "Must be at least 0.")
      .max(MAX_PROPOSALS - 1, `Must be at most ${MAX_PROPOSALS - 1}.`)
      .nullish()
      .meta(
        ROUTE_DOCS
          ? {
              description:
                "The 0-based position of the accepted proposal in the generation's `proposals`. Required for `ai-full` (the text must equal that proposal) and `ai-edited`; absent for `manual`. Each proposal can be accepted once.",
            }
          : {},
      ),
    deck_id: z.uuid("Must be a UUID.").nullish(),
    tags: cardTagsSchema.optional(),
  })
  .superRefine((card, ctx) => {
    for (const field of ["generation_id", "proposal_index"] as const) {
      if (card.source === "manual" && card[field] != null) {
        ctx.addIssue({ code: "custom", path: [field], message: "Must be absent for manual cards." });
      }
      if (card.source !== "manual" && card[field] == null) {
        ctx.addIssue({ code: "custom", path: [field], message: `Is required for ${card.source} cards.` });
      }
    }
  });

/** The body of `POST /flashcards`: 1–100 cards, manual or accepted from a generation. */
export const createFlashcardsSchema = z.strictObject({
  flashcards: z
    .array(newFlashcard)
    .min(1, "Must contain at least 1 flashcard.")
    .max(MAX_BULK, `Must contain at most ${MAX_BULK} flashcards.`),
});

/** The body of `PATCH /flashcards/:id` (at least one field). */
export const updateFlashcardSchema = z
  .strictObject({
    front: cardFront.optional(),
    back: cardBack.optional(),
    deck_id: z.uuid("Must be a UUID or null.").nullable().optional(),
    tags: cardTagsSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "Send at least one of 'front', 'back', 'deck_id' or 'tags'.",
  });

/** The sort keys of `GET /flashcards`. */
export const FLASHCARD_SORTS = ["created_at", "updated_at", "due"] as const;

/** The FSRS states by name, in ts-fsrs order (0–3). */
export const STUDY_STATES = ["new", "learning", "review", "relearning"] as const;

/** A `true`/`false` query flag. */
const booleanParam = z
  .enum(["true", "false"], "Must be 'true' or 'false'.")
  .transform((value) => value === "true")
  .optional();

/** The query of `GET /flashcards`: filters, search, sort and paging. */
export const listFlashcardsQuerySchema = z
  .strictObject({
    limit: limitParam,
    cursor: cursorParam,
    sort: z.enum(FLASHCARD_SORTS, `Must be one of: ${FLASHCARD_SORTS.join(", ")}.`).default("created_at"),
    order: z.enum(["asc", "desc"], "Must be 'asc' or 'desc'.").default("desc"),
    source: z.enum(CARD_SOURCES, `Must be one of: ${CARD_SOURCES.join(", ")}.`).optional(),
    generation_id: z.uuid("Must be a UUID.").optional(),
    q: z
      .string()
      .trim()
      .min(SEARCH_MIN, "Must not be empty.")
      .max(SEARCH_MAX, `Must be at most ${SEARCH_MAX} characters.`)
      .refine((q) => !/[\p{Cs}\u0000-\u001F\u007F]/u.test(q), "Must not contain control characters or lone surrogates.")
      .optional()
      .meta(
        ROUTE_DOCS
          ? {
              description:
                "Search front and back for this text (any length from 1 character; 3+ characters case- and accent-insensitive, 1–2 characters case-insensitive for ASCII). A search page may hold fewer than `limit` cards, even none, while `has_more` is true: keep following `next_cursor`.",
            }
          : {},
      ),
    ...cardScopeQuery,
    subdecks: z
      .enum(["true", "false"], "Must be 'true' or 'false'.")
      .optional()
      .meta(ROUTE_DOCS ? { description: "With deck_id: include the subdecks' cards (default true)." } : {}),
    no_deck: z
      .enum(["true"], "Must be 'true'.")
      .optional()
      .meta(ROUTE_DOCS ? { description: "Only cards in no deck." } : {}),
    state: z.enum(STUDY_STATES, `Must be one of: ${STUDY_STATES.join(", ")}.`).optional(),
    suspended: booleanParam,
    leech: booleanParam,
  })
  .superRefine((query, ctx) => {
    if (query.no_deck && query.deck_id) {
      ctx.addIssue({ code: "custom", path: ["no_deck"], message: "Cannot be combined with deck_id." });
    }
    if (query.subdecks && !query.deck_id) {
      ctx.addIssue({ code: "custom", path: ["subdecks"], message: "Needs deck_id." });
    }
  });

/** A card's FSRS state as the API shows it. */
export const studyStateSchema = z.object({
  state: z.enum(STUDY_STATES),
  due: z.iso.datetime(),
  stability: z.number(),
  difficulty: z.number(),
  elapsed_days: z.int(),
  scheduled_days: z.int(),
  learning_steps: z.int(),
  reps: z.int(),
  lapses: z.int(),
  last_review: z.iso.datetime().nullable(),
  suspended: z
    .boolean()
    .meta(ROUTE_DOCS ? { description: "Never offered by the queue or sessions until unsuspended." } : {}),
  buried_until: z.iso
    .datetime()
    .nullable()
    .meta(
      ROUTE_DOCS ? { description: "Not offered before this instant (the learner's next day start after a bury)." } : {},
    ),
  leech: z.boolean().meta(ROUTE_DOCS ? { description: "Lapsed as often as the learner's leech threshold." } : {}),
});

/** A flashcard as the API shows it. */
export const flashcardSchema = z
  .object({
    id: z.uuid(),
    front: z.string(),
    back: z.string(),
    source: z.enum(CARD_SOURCES),
    generation_id: z.uuid().nullable(),
    deck_id: z
      .uuid()
      .nullable()
      .meta(ROUTE_DOCS ? { description: "The card's deck; null when it is in none." } : {}),
    tags: z.array(z.string()).meta(ROUTE_DOCS ? { description: "Tag names, sorted case-insensitively." } : {}),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    study: studyStateSchema,
  })
  .meta(ROUTE_DOCS ? { id: "Flashcard" } : {});

/** The body of `GET /flashcards`. */
export const flashcardListSchema = z.object({ data: z.array(flashcardSchema), pagination: paginationSchema });
/** The body of `POST /flashcards`: the created cards in the order sent. */
export const createdFlashcardsSchema = z.object({ data: z.array(flashcardSchema) });

/** A validated bulk creation body. */
export type CreateFlashcardsInput = z.infer<typeof createFlashcardsSchema>;
/** A validated card update body. */
export type UpdateFlashcardInput = z.infer<typeof updateFlashcardSchema>;
/** A validated list query. */
export type ListFlashcardsQuery = z.infer<typeof listFlashcardsQuerySchema>;
/** One sort key of `GET /flashcards`. */
export type FlashcardSort = (typeof FLASHCARD_SORTS)[number];

/** Cards one `POST /flashcards/bulk` may name. */
export const MAX_BULK_IDS = 500;

const bulkIds = z
  .array(z.uuid("Must be a UUID."))
  .min(1, "Must contain at least 1 id.")
  .max(MAX_BULK_IDS, `Must contain at most ${MAX_BULK_IDS} ids.`)
  .meta(
    ROUTE_DOCS
      ? { description: `1–${MAX_BULK_IDS} of the caller's card ids (duplicates count once); all must exist.` }
      : {},
  );
const bulkTags = cardTagsSchema.min(1, "Must contain at least 1 tag.");

/**
 * One strict object per bulk action, each with exactly the fields it takes. Adding an action: a schema
 * here and its statements in `bulk-actions.ts` (the compiler asks for the second).
 */
export const bulkActionSchemas = [
  z.strictObject({
    ids: bulkIds,
    action: z.literal("move"),
    deck_id: z
      .uuid("Must be a UUID or null.")
      .nullable()
      .meta(ROUTE_DOCS ? { description: "The deck to move the cards into; null takes them out of any deck." } : {}),
  }),
  z.strictObject({ ids: bulkIds, action: z.literal("add_tags"), tags: bulkTags }),
  z.strictObject({ ids: bulkIds, action: z.literal("remove_tags"), tags: bulkTags }),
  z.strictObject({ ids: bulkIds, action: z.literal("delete") }),
  // Card states (#15): as POST /flashcards/:id/suspend, /unsuspend, /bury, /forget, /reschedule.
  z.strictObject({ ids: bulkIds, action: z.literal("suspend") }),
  z.strictObject({ ids: bulkIds, action: z.literal("unsuspend") }),
  z.strictObject({ ids: bulkIds, action: z.literal("bury") }),
  z.strictObject({
    ids: bulkIds,
    action: z.literal("forget"),
    reset_counts: z
      .boolean("Must be true or false.")
      .optional()
      .meta(ROUTE_DOCS ? { description: "Also set reps and lapses back to 0 (default false)." } : {}),
  }),
  z.strictObject({
    ids: bulkIds,
    action: z.literal("reschedule"),
    due: learnerDateParam.meta(
      ROUTE_DOCS ? { description: "The learner's date the cards become due, at their day start." } : {},
    ),
  }),
] as const;

/** The bulk actions by name. */
export const BULK_ACTIONS = bulkActionSchemas.map((schema) => schema.shape.action.value);

/** The body of `POST /flashcards/bulk`: ids and one action. */
export const bulkFlashcardsSchema = z.discriminatedUnion("action", bulkActionSchemas, {
  error: (issue) =>
    issue.code === "invalid_union" ? `'action' must be one of: ${BULK_ACTIONS.join(", ")}.` : undefined,
});

/** The body of the answer of `POST /flashcards/bulk`. */
export const bulkResultSchema = z.object({
  updated: z
    .int()
    .min(0)
    .meta(ROUTE_DOCS ? { description: "Cards changed (for `delete`, cards deleted)." } : {}),
});

/** A validated bulk request. */
export type BulkFlashcardsInput = z.infer<typeof bulkFlashcardsSchema>;
