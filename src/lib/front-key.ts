/**
 * The duplicate key of a card's front, stored in `flashcards.front_key` and compared by imports (skip
 * duplicates) and by generations (`duplicate_of`). Two fronts are duplicates when they read the same to
 * a learner: same letters regardless of Unicode composition, case, spacing and punctuation.
 */

const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]+/gu;
const WHITESPACE = /\s+/gu;

/**
 * The key: NFC, case-folded (upper then lower case, so `ß` matches `SS`; final `ς` folds to `σ`),
 * punctuation and symbols removed, whitespace runs collapsed to one space, trimmed. A front made only
 * of punctuation keeps it (folded and collapsed), so `?` and `!` stay different cards.
 */
export function frontKey(front: string): string {
  const folded = front.normalize("NFC").toUpperCase().toLowerCase().replaceAll("ς", "σ").normalize("NFC");
  const stripped = folded.replace(PUNCTUATION_OR_SYMBOL, "").replace(WHITESPACE, " ").trim();
  return stripped !== "" ? stripped : folded.replace(WHITESPACE, " ").trim();
}
