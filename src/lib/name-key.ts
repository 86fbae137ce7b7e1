/**
 * Names compared case-insensitively in every script (deck names among siblings, tag names per user).
 * D1 has no ICU and `COLLATE NOCASE` folds only ASCII, so the comparison key is computed here and stored
 * beside the name under a unique index: NFC (one form for "é" typed two ways) and JavaScript's
 * `toLowerCase()` (full Unicode case mapping).
 */
import { boundedText } from "./card-text";

/** The comparison key of a name: NFC + lower case. */
export const nameKey = (name: string) => name.normalize("NFC").toLowerCase();

/** A deck name's length limit, in characters. */
export const DECK_NAME_MAX = 100;
/** A tag name's length limit, in characters. */
export const TAG_NAME_MAX = 50;
/** A deck description's length limit, in characters. */
export const DECK_DESCRIPTION_MAX = 1000;

/** A deck name: trimmed, NFC, 1..100 characters, no `::` (it separates levels in a deck's `path`). */
export const deckNameSchema = boundedText(1, DECK_NAME_MAX)
  .transform((name) => name.normalize("NFC"))
  .refine((name) => !name.includes("::"), "Must not contain '::' (it separates deck levels in a path).")
  .meta(ROUTE_DOCS ? { minLength: 1, maxLength: DECK_NAME_MAX } : {});

/**
 * A tag name: trimmed, NFC, 1..50 characters, no whitespace (tags are space-separated in Anki), `::` for
 * hierarchy with no empty level (`a::`, `::a`, `a::::b`), so a parent's key range is well defined.
 */
export const tagNameSchema = boundedText(1, TAG_NAME_MAX)
  .transform((name) => name.normalize("NFC"))
  .refine((name) => !/\s/u.test(name), "Must not contain whitespace (use '_' or '-' between words).")
  .refine((name) => name.split("::").every((level) => level.length > 0), "Must not have an empty level around '::'.")
  .meta(ROUTE_DOCS ? { minLength: 1, maxLength: TAG_NAME_MAX } : {});

/**
 * The key range of a tag and everything below it: `key = k OR (key >= k || '::' AND key < k || ':;')`.
 * `;` is the character after `:`, so the range holds exactly the keys starting with `k::`. Never LIKE: D1
 * caps LIKE/GLOB patterns at 50 bytes, and `%`/`_` in a name would be wildcards.
 */
export const tagKeyRange = (name: string) => {
  const key = nameKey(name);
  return { key, from: `${key}::`, to: `${key}:;` };
};
