/**
 * Parameters that scope cards to a deck and/or tags, shared by the card list, the study queue, stats and
 * study sessions, and the tag lists of card bodies.
 */
import * as z from "zod";
import { tagNameSchema } from "./name-key";

/** Tag filters per request (each is one condition with 4 bound parameters). */
export const MAX_TAG_FILTERS = 10;
/** Tags a body may list for one card before de-duplication (the 20-per-card rule is checked after it). */
export const MAX_TAGS_IN_BODY = 100;

/** A card's tags in a body: tag names; duplicates by key collapse, more than 20 distinct → 400 `too_many_tags`. */
export const cardTagsSchema = z
  .array(tagNameSchema)
  .max(MAX_TAGS_IN_BODY, `Must contain at most ${MAX_TAGS_IN_BODY} tags.`)
  .meta(
    ROUTE_DOCS
      ? { description: "Tag names (1–50 characters, no whitespace, '::' for hierarchy); at most 20 per card." }
      : {},
  );

/** `tag` query parameter, repeatable: cards carrying all of them; `lang` also matches `lang::pl`. */
const tagFilterParam = z
  .union([tagNameSchema, z.array(tagNameSchema).max(MAX_TAG_FILTERS, `Must repeat at most ${MAX_TAG_FILTERS} times.`)])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .optional()
  .meta(
    ROUTE_DOCS
      ? {
          description:
            "Repeatable: cards carrying every tag given; a tag also matches its children (`lang` → `lang::pl`).",
        }
      : {},
  );

/** The scope fields of a query: `deck_id` (with its subdecks) and repeatable `tag`. */
export const cardScopeQuery = {
  deck_id: z
    .uuid("Must be a UUID.")
    .optional()
    .meta(ROUTE_DOCS ? { description: "Only cards in this deck and its subdecks." } : {}),
  tag: tagFilterParam,
};

/** The scope fields of a body (`POST /study-sessions`): `deck_id` and `tags`. */
export const cardScopeBody = {
  deck_id: z
    .uuid("Must be a UUID.")
    .optional()
    .meta(ROUTE_DOCS ? { description: "Only cards in this deck and its subdecks." } : {}),
  tags: z
    .array(tagNameSchema)
    .min(1, "Must contain at least 1 tag.")
    .max(MAX_TAG_FILTERS, `Must contain at most ${MAX_TAG_FILTERS} tags.`)
    .optional()
    .meta(
      ROUTE_DOCS
        ? {
            description: "Only cards carrying every tag given; a tag also matches its children (`lang` → `lang::pl`).",
          }
        : {},
    ),
};

/** Where cards are looked for: a deck (with or without its subdecks), no deck, and tags all carried. */
export type CardScope = { deckId?: string; subdecks?: boolean; noDeck?: boolean; tags?: string[] };
