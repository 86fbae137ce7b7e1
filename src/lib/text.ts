/**
 * Text rules shared by request schemas.
 */

/** A lone UTF-16 surrogate (not half of a pair): not valid Unicode, cannot be stored faithfully. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0/C1 control characters other than tab, line feed and carriage return (NUL included). */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** True for text that is well-formed Unicode (no lone surrogates). */
export const isWellFormed = (text: string) => !LONE_SURROGATE.test(text);

/** True for text without control characters (tab and newlines allowed). */
export const hasNoControlCharacters = (text: string) => !CONTROL_CHARACTER.test(text);

/**
 * A character that shows something: not whitespace, not a format or control character, not a
 * combining mark on its own, not a default-ignorable code point (zero-width space and joiners, word
 * joiner, soft hyphen, variation selectors, tag characters, Hangul fillers U+115F/U+1160/U+3164/
 * U+FFA0), and not the blank Braille pattern U+2800, which renders as empty space.
 */
const VISIBLE_CHARACTER = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\p{Cc}\p{Cf}\u2800]/u;

/** True for text with at least one visible character (a side made only of invisible ones shows nothing). */
export const hasVisibleCharacter = (text: string) => VISIBLE_CHARACTER.test(text);
