/**
 * Reads an import file — Anki's "Notes in Plain Text" (with its `#key:value` header lines) or a
 * CSV/TSV saved by a spreadsheet — into note rows: front, back, deck path and tags, each with the
 * 1-based line where it starts. Pure: no database, no HTTP. Validation of the texts (lengths, tags)
 * is `check-rows.ts`'s job; this module only reads structure and reports what it could not use.
 */
import { MAX_COLUMNS, readRecords } from "./delimited";
import { htmlToText } from "./html-to-text";

/** Rows one request may import; a bigger file is sent in parts. */
export const MAX_IMPORT_ROWS = 5_000;
/** Warnings kept (the count keeps growing past it). */
export const MAX_LISTED = 100;

/** One note as read from the file. `deck` is a `::` path or null (the request's target deck). */
export type ImportRow = { line: number; front: string; back: string; deck: string | null; tags: string[] };

/** Something the reader could not use as given, tied to a line when it has one. */
export type ImportNotice = { line: number | null; code: string; message: string };

/** The import formats: Anki's notes in plain text, CSV, TSV. */
export type FileFormat = "anki" | "csv" | "tsv";

/** Everything read from one file. `totalRows` counts all rows, also those past MAX_IMPORT_ROWS. */
export type ParsedImport = {
  format: FileFormat;
  separator: string;
  html: boolean;
  rows: ImportRow[];
  totalRows: number;
  rejected: ImportNotice[];
  warnings: ImportNotice[];
};

/** Anki's separator names (`#separator:Tab`), case-insensitive. */
const SEPARATOR_NAMES: Record<string, string> = {
  tab: "\t",
  comma: ",",
  semicolon: ";",
  pipe: "|",
  colon: ":",
  space: " ",
};

/** Header directives that take a 1-based column number. */
const COLUMN_DIRECTIVES = ["deck column", "tags column", "notetype column", "guid column"] as const;
type ColumnDirective = (typeof COLUMN_DIRECTIVES)[number];

/** Column names understood in `#columns:` and in a spreadsheet's header row. */
const COLUMN_MEANINGS: Record<string, "front" | "back" | "tags" | "deck" | "ignore"> = {
  front: "front",
  question: "front",
  back: "back",
  answer: "back",
  tags: "tags",
  tag: "tags",
  deck: "deck",
  notetype: "ignore",
  "note type": "ignore",
  guid: "ignore",
  source: "ignore",
  created_at: "ignore",
  due: "ignore",
  state: "ignore",
};

type Headers = {
  separator?: string;
  html: boolean;
  tags: string[];
  columns?: string[];
  columnsRaw?: string;
  deck?: string;
  column: Partial<Record<ColumnDirective, number>>;
  present: boolean;
};

/**
 * Reads a whole file. `hint` is the media type's guess (text/csv → comma, TSV → tab) used only when
 * neither a `#separator:` header nor the first line decides.
 */
export function parseImportFile(text: string, hint: FileFormat = "anki"): ParsedImport {
  const warnings: ImportNotice[] = [];
  const rejected: ImportNotice[] = [];
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const { headers, start, line } = readHeaders(body, warnings);

  const separator = headers.separator ?? sniffSeparator(body, start, hint);
  const { records, total } = readRecords(body, { separator, start, line, maxRecords: MAX_IMPORT_ROWS });

  // What each column means: explicit header directives first, then `#columns:`, then a header row.
  const meaning = new Map<number, "front" | "back" | "tags" | "deck" | "ignore">();
  if (headers.column["deck column"]) meaning.set(headers.column["deck column"] - 1, "deck");
  if (headers.column["tags column"]) meaning.set(headers.column["tags column"] - 1, "tags");
  if (headers.column["notetype column"]) meaning.set(headers.column["notetype column"] - 1, "ignore");
  if (headers.column["guid column"]) meaning.set(headers.column["guid column"] - 1, "ignore");

  let names = headers.columnsRaw !== undefined ? headers.columnsRaw.split(separator) : undefined;
  let dataRecords = records;
  let totalRows = total;
  if (!names && !headers.present && records[0] && isHeaderRow(records[0].fields)) {
    names = records[0].fields;
    dataRecords = records.slice(1);
    totalRows--;
  }
  if (names) {
    names.forEach((name, index) => {
      const known = COLUMN_MEANINGS[name.trim().toLowerCase()];
      if (known && !meaning.has(index) && ![...meaning.values()].includes(known)) meaning.set(index, known);
      else if (known === "ignore" && !meaning.has(index)) meaning.set(index, "ignore");
    });
  }

  let extraColumnsWarned = false;
  const rows: ImportRow[] = [];
  for (const record of dataRecords) {
    if (record.tooManyColumns) {
      rejected.push({
        line: record.line,
        code: "too_many_columns",
        message: `The row has more than ${MAX_COLUMNS} fields.`,
      });
      continue;
    }
    const texts: string[] = [];
    let deck: string | null = headers.deck ?? null;
    const tags = [...headers.tags];
    record.fields.forEach((field, index) => {
      const role = meaning.get(index);
      if (role === "ignore") return;
      if (role === "deck") {
        if (field.trim() !== "") deck = field.trim();
        return;
      }
      if (role === "tags") {
        tags.push(...splitTags(field));
        return;
      }
      if (role === "front") texts[0] = field;
      else if (role === "back") texts[1] = field;
      else if (texts[0] === undefined && !isRoleTaken(meaning, "front")) texts[0] = field;
      else if (texts[1] === undefined && !isRoleTaken(meaning, "back")) texts[1] = field;
      else if (!headers.present && !isRoleTaken(meaning, "tags") && texts[2] === undefined) {
        // A headerless spreadsheet is read as front, back, tags.
        texts[2] = field;
        tags.push(...splitTags(field));
      } else if (field.trim() !== "" && !extraColumnsWarned) {
        extraColumnsWarned = true;
        warnings.push({
          line: record.line,
          code: "extra_columns",
          message: "Fields beyond front and back (and deck/tags columns) are not imported.",
        });
      }
    });
    let front = texts[0] ?? "";
    let back = texts[1] ?? "";
    if (headers.html) {
      const convertedFront = htmlToText(front);
      const convertedBack = htmlToText(back);
      front = convertedFront.text;
      back = convertedBack.text;
      const media = convertedFront.mediaRemoved + convertedBack.mediaRemoved;
      if (media > 0) {
        warnings.push({
          line: record.line,
          code: "media_removed",
          message: `${media} media reference${media === 1 ? "" : "s"} ([sound:…] or <img>) removed: media is not imported.`,
        });
      }
    }
    rows.push({ line: record.line, front, back, deck, tags });
  }
  return {
    format: headers.present ? "anki" : separator === "\t" ? "tsv" : hint === "tsv" ? "tsv" : "csv",
    separator,
    html: headers.html,
    rows,
    totalRows,
    rejected,
    warnings,
  };
}

const isRoleTaken = (meaning: Map<number, string>, role: string) => [...meaning.values()].includes(role);

/** Splits an Anki tag field: tags are separated by spaces. */
export const splitTags = (field: string) => field.split(/\s+/u).filter((tag) => tag !== "");

/** Reads the `#key:value` lines at the top of the file. */
function readHeaders(body: string, warnings: ImportNotice[]): { headers: Headers; start: number; line: number } {
  const headers: Headers = { html: false, tags: [], column: {}, present: false };
  let start = 0;
  let line = 1;
  while (start < body.length && body[start] === "#") {
    let end = body.indexOf("\n", start);
    if (end === -1) end = body.length;
    const raw = body.slice(start + 1, end).replace(/\r$/, "");
    readHeader(raw, line, headers, warnings);
    headers.present = true;
    start = end + 1;
    line++;
  }
  return { headers, start: Math.min(start, body.length), line };
}

function readHeader(raw: string, line: number, headers: Headers, warnings: ImportNotice[]) {
  const colon = raw.indexOf(":");
  const key = (colon === -1 ? raw : raw.slice(0, colon)).trim().toLowerCase();
  const value = colon === -1 ? "" : raw.slice(colon + 1);
  const warn = (code: string, message: string) => warnings.push({ line, code, message });
  switch (key) {
    case "separator": {
      const named = SEPARATOR_NAMES[value.trim().toLowerCase()];
      if (named) headers.separator = named;
      else if ([...value].length === 1 && value !== '"' && value !== "\n") headers.separator = value;
      else warn("invalid_header", `Unknown separator '${value.slice(0, 20)}'; the separator is guessed instead.`);
      return;
    }
    case "html": {
      const flag = value.trim().toLowerCase();
      if (flag === "true" || flag === "false") headers.html = flag === "true";
      else warn("invalid_header", "#html must be true or false; read as false.");
      return;
    }
    case "tags":
      headers.tags.push(...splitTags(value));
      return;
    case "columns":
      headers.columnsRaw = value;
      return;
    case "deck":
      if (value.trim() !== "") headers.deck = value.trim();
      return;
    case "notetype":
      warn("ignored_header", "Note types are not imported: every note becomes a front/back card.");
      return;
    default: {
      if ((COLUMN_DIRECTIVES as readonly string[]).includes(key)) {
        const column = /^\s*(\d{1,3})\s*$/.exec(value);
        const number = column ? Number(column[1]) : 0;
        if (number >= 1 && number <= MAX_COLUMNS) headers.column[key as ColumnDirective] = number;
        else warn("invalid_header", `#${key} must be a column number from 1 to ${MAX_COLUMNS}; ignored.`);
        return;
      }
      warn("unknown_header", `Unknown header '#${key.slice(0, 40)}' ignored.`);
    }
  }
}

/**
 * Guesses the separator from the first data line: the candidate that splits it into the most fields
 * (tab, then semicolon, then comma on ties), else the media type's default.
 */
function sniffSeparator(body: string, start: number, hint: FileFormat): string {
  let end = body.indexOf("\n", start);
  if (end === -1) end = body.length;
  const first = body.slice(start, end);
  let best = "";
  let bestCount = 0;
  for (const candidate of ["\t", ";", ","]) {
    const count = countOutsideQuotes(first, candidate);
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  if (best) return best;
  return hint === "csv" ? "," : "\t";
}

function countOutsideQuotes(line: string, char: string): number {
  let count = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === char && !quoted) count++;
  }
  return count;
}

/** A spreadsheet's first row is a header when every cell is a known column name and one of them is the front. */
function isHeaderRow(fields: string[]): boolean {
  const names = fields.map((field) => field.trim().toLowerCase());
  return (
    names.every((name) => name === "" || name in COLUMN_MEANINGS) &&
    names.some((name) => COLUMN_MEANINGS[name] === "front")
  );
}
