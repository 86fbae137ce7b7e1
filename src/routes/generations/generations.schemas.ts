/**
 * Request schemas of the generations endpoints.
 */
import * as z from "zod";
import { MAX_PROPOSALS } from "../../ai/proposals";
import { cardTagsSchema } from "../../lib/card-scope-params";
import { boundedText } from "../../lib/card-text";
import { paginationSchema } from "../../lib/params";

/** The shortest source text, in characters (code points) after trimming. */
export const SOURCE_TEXT_MIN = 1_000;
/** The longest source text, in characters (code points) after trimming. */
export const SOURCE_TEXT_MAX = 10_000;

/** "auto", or a BCP 47 tag: a 2–3 letter language, then subtags of 1–8 letters or digits ("pt-BR", "zh-Hant"). */
const LANGUAGE_TAG = /^(?:auto|[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$/;

/** The body of `POST /generations`. */
export const createGenerationSchema = z.strictObject({
  deck_id: z
    .uuid("Must be a UUID.")
    .nullish()
    .meta(
      ROUTE_DOCS
        ? {
            description:
              "A deck of the caller's: cards accepted from this generation without a `deck_id` of their own go there.",
          }
        : {},
    ),
  tags: cardTagsSchema.optional().meta(
    ROUTE_DOCS
      ? {
          description:
            "Tags (at most 20 distinct) that cards accepted from this generation without `tags` of their own get.",
        }
      : {},
  ),
  source_text: boundedText(SOURCE_TEXT_MIN, SOURCE_TEXT_MAX),
  count: z
    .int("Must be an integer.")
    .min(1, "Must be at least 1.")
    .max(MAX_PROPOSALS, `Must be at most ${MAX_PROPOSALS}.`)
    .optional()
    .meta(
      ROUTE_DOCS
        ? { description: "How many proposals are wanted (1–50). Without it, the provider's natural number." }
        : {},
    ),
  language: z
    .string()
    .max(35, "Must be at most 35 characters.")
    .regex(LANGUAGE_TAG, 'Must be "auto" or a BCP 47 language tag such as "en" or "pt-BR".')
    .optional()
    .meta(
      ROUTE_DOCS
        ? {
            description:
              'The language of the cards: "auto" (default, the language of the text) or a BCP 47 tag. The `local` provider always writes in the text\'s language.',
          }
        : {},
    ),
});

/** `Idempotency-Key`: 1–255 visible ASCII characters (a UUID is typical). Other headers pass. */
export const idempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7E]{1,255}$/, "Must be 1–255 visible ASCII characters.")
    .optional(),
});

/** A generation record as the API shows it (never the source text). */
export const generationSchema = z
  .object({
    id: z.uuid(),
    model: z.string(),
    source_text_hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .meta(ROUTE_DOCS ? { description: "SHA-256 (hex) of the trimmed source text." } : {}),
    source_text_length: z.int(),
    generated_count: z.int(),
    accepted_unedited_count: z.int(),
    accepted_edited_count: z.int(),
    duration_ms: z.int(),
    deck_id: z
      .uuid()
      .nullable()
      .meta(ROUTE_DOCS ? { description: "The deck given when generating (null: none)." } : {}),
    tags: z.array(z.string()).meta(ROUTE_DOCS ? { description: "The tags given when generating." } : {}),
    created_at: z.iso.datetime(),
  })
  .meta(ROUTE_DOCS ? { id: "Generation" } : {});

/** One proposed card of a generation. */
export const proposalSchema = z.object({
  front: z.string(),
  back: z.string(),
  duplicate_of: z
    .uuid()
    .nullable()
    .meta(
      ROUTE_DOCS
        ? {
            description:
              "A card already in the caller's collection with the same front (compared by front key), or null.",
          }
        : {},
    ),
});
/** The body of `POST /generations` (and of its replays). */
export const generationResponseSchema = z.object({ generation: generationSchema, proposals: z.array(proposalSchema) });
/** The body of `GET /generations`. */
export const generationListSchema = z.object({ data: z.array(generationSchema), pagination: paginationSchema });

/** A generation error log as the API shows it. */
export const errorLogSchema = z
  .object({
    id: z.uuid(),
    model: z.string(),
    source_text_hash: z.string(),
    source_text_length: z.int(),
    error_code: z.enum(["provider_timeout", "provider_rate_limited", "provider_error", "invalid_output"]),
    error_message: z.string(),
    created_at: z.iso.datetime(),
  })
  .meta(ROUTE_DOCS ? { id: "GenerationErrorLog" } : {});
/** The body of `GET /generation-error-logs`. */
export const errorLogListSchema = z.object({ data: z.array(errorLogSchema), pagination: paginationSchema });

/** A validated generation body. */
export type CreateGenerationInput = z.infer<typeof createGenerationSchema>;
