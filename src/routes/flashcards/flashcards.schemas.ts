/**
 * Request schemas of the flashcards endpoints.
 */
import * as z from "zod";
import { cardBack, cardFront } from "../../lib/card-text";
import { cursorParam, limitParam, paginationSchema } from "../../lib/params";

/** The sources a client may send when creating cards (`imported` is written only by POST /imports). */
export const FLASHCARD_SOURCES = ["manual", "ai-full", "ai-edited"] as const;
/** Every source a card can have: filters and responses list `imported` too. */
export const CARD_SOURCES = [...FLASHCARD_SOURCES, "imported"] as const;

export const MAX_BULK = 100;
export const SEARCH_MIN = 3;
export const SEARCH_MAX = 200;

const newFlashcard = z
  .strictObject({
    front: cardFront,
    back: cardBack,
    source: z.enum(FLASHCARD_SOURCES, `Must be one of: ${FLASHCARD_SOURCES.join(", ")}.`),
    generation_id: z.uuid("Must be a UUID.").nullish(),
  })
  .superRefine((card, ctx) => {
    if (card.source === "manual" && card.generation_id != null) {
      ctx.addIssue({ code: "custom", path: ["generation_id"], message: "Must be absent for manual cards." });
    }
    if (card.source !== "manual" && card.generation_id == null) {
      ctx.addIssue({ code: "custom", path: ["generation_id"], message: `Is required for ${card.source} cards.` });
    }
  });

export const createFlashcardsSchema = z.strictObject({
  flashcards: z
    .array(newFlashcard)
    .min(1, "Must contain at least 1 flashcard.")
    .max(MAX_BULK, `Must contain at most ${MAX_BULK} flashcards.`),
});

export const updateFlashcardSchema = z
  .strictObject({ front: cardFront.optional(), back: cardBack.optional() })
  .refine((patch) => patch.front !== undefined || patch.back !== undefined, {
    message: "Send at least one of 'front' or 'back'.",
  });

export const FLASHCARD_SORTS = ["created_at", "updated_at", "due"] as const;

export const listFlashcardsQuerySchema = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  sort: z.enum(FLASHCARD_SORTS, `Must be one of: ${FLASHCARD_SORTS.join(", ")}.`).default("created_at"),
  order: z.enum(["asc", "desc"], "Must be 'asc' or 'desc'.").default("desc"),
  source: z.enum(CARD_SOURCES, `Must be one of: ${CARD_SOURCES.join(", ")}.`).optional(),
  generation_id: z.uuid("Must be a UUID.").optional(),
  q: z
    .string()
    .trim()
    .min(SEARCH_MIN, `Must be at least ${SEARCH_MIN} characters (search matches substrings of 3+ characters).`)
    .max(SEARCH_MAX, `Must be at most ${SEARCH_MAX} characters.`)
    .refine((q) => !/[\p{Cs}\u0000-\u001F\u007F]/u.test(q), "Must not contain control characters or lone surrogates.")
    .optional(),
});

export const STUDY_STATES = ["new", "learning", "review", "relearning"] as const;

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
});

export const flashcardSchema = z
  .object({
    id: z.uuid(),
    front: z.string(),
    back: z.string(),
    source: z.enum(CARD_SOURCES),
    generation_id: z.uuid().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    study: studyStateSchema,
  })
  .meta({ id: "Flashcard" });

export const flashcardListSchema = z.object({ data: z.array(flashcardSchema), pagination: paginationSchema });
export const createdFlashcardsSchema = z.object({ data: z.array(flashcardSchema) });

export type CreateFlashcardsInput = z.infer<typeof createFlashcardsSchema>;
export type UpdateFlashcardInput = z.infer<typeof updateFlashcardSchema>;
export type ListFlashcardsQuery = z.infer<typeof listFlashcardsQuerySchema>;
export type FlashcardSort = (typeof FLASHCARD_SORTS)[number];
