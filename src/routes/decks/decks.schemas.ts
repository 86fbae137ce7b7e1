/**
 * Request and response schemas of the decks endpoints.
 */
import * as z from "zod";
import { boundedText } from "../../lib/card-text";
import { DECK_DESCRIPTION_MAX, deckNameSchema } from "../../lib/name-key";

/** A description: trimmed, 0..1,000 characters; empty is stored as null. */
const descriptionSchema = boundedText(0, DECK_DESCRIPTION_MAX)
  .transform((text) => (text.length === 0 ? null : text))
  .nullable();

/** The body of `POST /decks`. */
export const createDeckSchema = z.strictObject({
  name: deckNameSchema,
  parent_id: z.uuid("Must be a UUID.").nullish(),
  description: descriptionSchema.optional(),
});

/** The body of `PATCH /decks/:id` (at least one field). */
export const updateDeckSchema = z
  .strictObject({
    name: deckNameSchema.optional(),
    parent_id: z.uuid("Must be a UUID or null.").nullable().optional(),
    description: descriptionSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "Send at least one of 'name', 'parent_id' or 'description'.",
  });

/** The query of `DELETE /decks/:id` (`cascade`). */
export const deleteDeckQuerySchema = z.strictObject({
  cascade: z
    .enum(["true", "false"], "Must be 'true' or 'false'.")
    .optional()
    .meta(
      ROUTE_DOCS ? { description: "Also delete the subdecks' and the deck's cards and their review history." } : {},
    ),
});

/** A deck as the API shows it, with its card counts. */
export const deckSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    parent_id: z.uuid().nullable(),
    path: z
      .string()
      .meta(ROUTE_DOCS ? { description: "The names from the root, joined with '::' (Anki's notation)." } : {}),
    description: z.string().nullable(),
    counts: z
      .object({
        cards: z.int(),
        new: z.int().meta(ROUTE_DOCS ? { description: "Cards never studied (not capped by the daily limit)." } : {}),
        due: z.int().meta(ROUTE_DOCS ? { description: "Studied cards due now." } : {}),
        suspended: z
          .int()
          .meta(ROUTE_DOCS ? { description: "Suspended cards (never offered until unsuspended)." } : {}),
      })
      .meta(ROUTE_DOCS ? { description: "Counts include the subdecks." } : {}),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta(ROUTE_DOCS ? { id: "Deck" } : {});

/** The body of `GET /decks`. */
export const deckListSchema = z.object({ data: z.array(deckSchema) });

/** A validated deck creation body. */
export type CreateDeckInput = z.infer<typeof createDeckSchema>;
/** A validated deck update body. */
export type UpdateDeckInput = z.infer<typeof updateDeckSchema>;
/** A deck as a handler returns it. */
export type DeckJson = z.infer<typeof deckSchema>;
