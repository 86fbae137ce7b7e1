/**
 * Checks the rows read from an import file against the card rules, without truncating anything: a row
 * that does not fit is rejected with its line and a code. Also computes what the write needs: the
 * front's duplicate key, the deck path split into names with their keys, and the tags with their keys.
 */

import { MAX_DECK_DEPTH, MAX_TAGS_PER_CARD } from "../db/deck-rules";
import { BACK_MAX, characterCount, FRONT_MAX } from "../lib/card-text";
import { frontKey } from "../lib/front-key";
import { DECK_NAME_MAX, nameKey, TAG_NAME_MAX } from "../lib/name-key";
import { hasNoControlCharacters, isWellFormed } from "../lib/text";
import type { ImportNotice, ImportRow } from "./import-file";

/** One name of a deck path with its key. */
export type DeckName = { name: string; key: string };

/** A row that passed: ready to be written. */
export type CheckedRow = {
  line: number;
  front: string;
  back: string;
  frontKey: string;
  /** Root-first names of the deck path, or null for the request's target deck. */
  deck: DeckName[] | null;
  tags: DeckName[];
};

/** Checks every row; the order of both lists follows the file. */
export function checkRows(rows: ImportRow[]): { valid: CheckedRow[]; rejected: ImportNotice[] } {
  const valid: CheckedRow[] = [];
  const rejected: ImportNotice[] = [];
  for (const row of rows) {
    const result = checkRow(row);
    if ("code" in result) rejected.push({ line: row.line, ...result });
    else valid.push(result);
  }
  return { valid, rejected };
}

type Rejection = { code: string; message: string };

function checkRow(row: ImportRow): CheckedRow | Rejection {
  const front = row.front.trim();
  const back = row.back.trim();
  if (front === "") return { code: "empty_front", message: "The front is empty." };
  if (back === "") return { code: "empty_back", message: "The back is empty." };
  for (const text of [front, back]) {
    if (!isWellFormed(text) || !hasNoControlCharacters(text)) {
      return { code: "invalid_text", message: "The text holds control characters or invalid Unicode." };
    }
  }
  const frontLength = characterCount(front);
  if (frontLength > FRONT_MAX) {
    return { code: "front_too_long", message: `The front has ${frontLength} characters; at most ${FRONT_MAX}.` };
  }
  const backLength = characterCount(back);
  if (backLength > BACK_MAX) {
    return { code: "back_too_long", message: `The back has ${backLength} characters; at most ${BACK_MAX}.` };
  }

  const tags: DeckName[] = [];
  const seen = new Set<string>();
  for (const raw of row.tags) {
    const name = raw.normalize("NFC");
    const length = characterCount(name);
    if (
      length > TAG_NAME_MAX ||
      !isWellFormed(name) ||
      !hasNoControlCharacters(name) ||
      name.startsWith("::") ||
      name.endsWith("::") ||
      name.includes("::::")
    ) {
      return {
        code: "invalid_tag",
        message: `The tag '${[...name].slice(0, 60).join("")}' is not a valid tag (1–${TAG_NAME_MAX} characters, no empty '::' segment).`,
      };
    }
    const key = nameKey(name);
    if (seen.has(key)) continue; // the first spelling wins, as on cards
    seen.add(key);
    tags.push({ name, key });
  }
  if (tags.length > MAX_TAGS_PER_CARD) {
    return { code: "too_many_tags", message: `The row has ${tags.length} tags; at most ${MAX_TAGS_PER_CARD}.` };
  }

  let deck: DeckName[] | null = null;
  if (row.deck !== null) {
    const names = row.deck.split("::").map((part) => part.trim().normalize("NFC"));
    if (names.length > MAX_DECK_DEPTH) {
      return { code: "deck_too_deep", message: `The deck path has ${names.length} levels; at most ${MAX_DECK_DEPTH}.` };
    }
    for (const name of names) {
      const length = characterCount(name);
      if (length === 0 || length > DECK_NAME_MAX || !isWellFormed(name) || !hasNoControlCharacters(name)) {
        return {
          code: "invalid_deck_name",
          message: `The deck path '${[...row.deck].slice(0, 120).join("")}' has an empty or invalid name (1–${DECK_NAME_MAX} characters per level).`,
        };
      }
    }
    deck = names.map((name) => ({ name, key: nameKey(name) }));
  }
  return { line: row.line, front, back, frontKey: frontKey(front), deck, tags };
}
