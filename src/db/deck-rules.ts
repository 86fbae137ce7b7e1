/**
 * The deck and tag rules the database enforces (triggers in migrations/0015_deck_tree_tag_rules_and_gates.sql)
 * and how their aborts become API errors. The numbers live in the triggers; they are repeated here only
 * for messages and for tests.
 */
import { deckCycle, deckLimitReached, deckTooDeep, notFound, tooManyTags } from "../lib/errors";
import { causeMessages } from "./d1-errors";

/** Levels of nesting allowed (a root deck is level 1). */
export const MAX_DECK_DEPTH = 8;
/** Decks per user. */
export const MAX_DECKS = 2000;
/** Tags per card. */
export const MAX_TAGS_PER_CARD = 20;

const has = (error: unknown, message: string) => causeMessages(error).some((m) => m.includes(message));

/**
 * The API error for a batch aborted by a deck or tag rule, or undefined when it was something else.
 * `deck_not_found` names `deckId` when the caller named exactly one deck.
 */
export function deckRuleError(error: unknown, deckId?: string | null) {
  if (has(error, "deck_cycle")) return deckCycle();
  if (has(error, "deck_too_deep")) return deckTooDeep(MAX_DECK_DEPTH);
  if (has(error, "deck_limit_reached")) return deckLimitReached(MAX_DECKS);
  if (has(error, "too_many_tags")) return tooManyTags(MAX_TAGS_PER_CARD);
  if (has(error, "deck_not_found")) return notFound("deck", deckId ?? undefined);
  return undefined;
}

/** True when a batch failed because a listed flashcard is missing or another user's (the flashcard gate). */
export const isFlashcardNotFound = (error: unknown) => has(error, "flashcard_not_found");

/** True when a batch failed because a named tag is not one of the caller's (the tag gate). */
export const isTagNotFound = (error: unknown) => has(error, "tag_not_found");
