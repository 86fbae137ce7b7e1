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
