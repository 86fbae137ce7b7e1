/**
 * The text rules of a flashcard side, shared by the flashcards endpoints and the AI providers'
 * output validation, so a proposal that passes is always a card that can be saved.
 */
import * as z from "zod";
import { hasNoControlCharacters, isWellFormed } from "./text";

export const FRONT_MAX = 200;
export const BACK_MAX = 500;

/** Length in Unicode code points: an emoji counts as one character, as users (and SQLite) count. */
export const characterCount = (text: string) => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** A trimmed card side of 1..max characters, well-formed, without control characters (tab/newline allowed). */
export const cardText = (max: number) =>
  z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      if (!isWellFormed(text)) {
        ctx.addIssue({ code: "custom", message: "Must be valid Unicode (no lone surrogates)." });
        return;
      }
      if (!hasNoControlCharacters(text)) {
        ctx.addIssue({ code: "custom", message: "Must not contain control characters." });
        return;
      }
      const length = characterCount(text);
      if (length < 1) {
        ctx.addIssue({ code: "too_small", origin: "string", minimum: 1, inclusive: true, input: text, message: "Must not be empty or only whitespace." });
      } else if (length > max) {
        ctx.addIssue({ code: "too_big", origin: "string", maximum: max, inclusive: true, input: text, message: `Must be at most ${max} characters.` });
      }
    });

export const cardFront = cardText(FRONT_MAX);
export const cardBack = cardText(BACK_MAX);
