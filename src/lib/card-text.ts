/**
 * The text rules of a flashcard side, shared by the flashcards endpoints and the AI providers'
 * output validation, so a proposal that passes is always a card that can be saved.
 */
import * as z from "zod";
import { hasNoControlCharacters, hasVisibleCharacter, isWellFormed } from "./text";

/** A card front's length limit, in characters (code points). */
export const FRONT_MAX = 200;
/** A card back's length limit, in characters (code points). */
export const BACK_MAX = 500;

/** Length in Unicode code points: an emoji counts as one character, as users (and SQLite) count. */
export const characterCount = (text: string) => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * Trimmed text of min..max characters (code points): well-formed Unicode, no control characters but
 * tab and newlines, at least one visible character (zero-width and other invisible characters alone
 * would make a card that shows nothing). The limits also appear in generated JSON Schemas (LLM output format, OpenAPI).
 */
export const boundedText = (min: number, max: number) =>
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
      if (length > 0 && !hasVisibleCharacter(text)) {
        ctx.addIssue({ code: "custom", message: "Must contain at least one visible character." });
        return;
      }
      if (length < min) {
        const message =
          min === 1
            ? "Must not be empty or only whitespace."
            : `Must be at least ${min} characters after trimming (got ${length}).`;
        ctx.addIssue({ code: "too_small", origin: "string", minimum: min, inclusive: true, input: text, message });
      } else if (length > max) {
        const message =
          min === 1
            ? `Must be at most ${max} characters.`
            : `Must be at most ${max} characters after trimming (got ${length}).`;
        ctx.addIssue({ code: "too_big", origin: "string", maximum: max, inclusive: true, input: text, message });
      }
    })
    .meta(ROUTE_DOCS ? { minLength: min, maxLength: max } : {});

/** A card side: 1..max characters. */
export const cardText = (max: number) => boundedText(1, max);

/** A card front: trimmed, 1–200 characters, no control characters. */
export const cardFront = cardText(FRONT_MAX);
/** A card back: trimmed, 1–500 characters, no control characters. */
export const cardBack = cardText(BACK_MAX);
