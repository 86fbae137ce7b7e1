/**
 * A tokenizer for separator-delimited text as Anki and spreadsheets write it: fields may be quoted with
 * `"`, a quoted field may hold the separator, newlines and `""` for one quote; lines end in LF, CRLF or
 * CR. Linear in the input; memory bounded by the record and column caps, so a crafted file cannot blow
 * up (SECURITY.md #30).
 */

/** Fields kept per record; the rest are dropped and the record is flagged. */
export const MAX_COLUMNS = 64;

/** One record: the 1-based line where it starts and its fields (at most MAX_COLUMNS). */
export type RawRecord = { line: number; fields: string[]; tooManyColumns: boolean };

/** How a delimited file is read (separator, quoting, header). */
export type ReadOptions = {
  separator: string;
  /** Index in `text` where records begin (after the header lines). */
  start: number;
  /** The 1-based line number at `start`. */
  line: number;
  /** Records kept; the rest are only counted. */
  maxRecords: number;
};

/** The records read (at most `maxRecords`) and how many the text holds in all. */
export type ReadResult = { records: RawRecord[]; total: number };

/**
 * Reads every record of `text` from `options.start`. Empty lines are skipped (as Anki does).
 * Text after a closing quote is kept literally (lenient, like Anki's reader), never an error.
 */
export function readRecords(text: string, options: ReadOptions): ReadResult {
  const { separator, maxRecords } = options;
  const records: RawRecord[] = [];
  let total = 0;
  let i = options.start;
  let line = options.line;
  const n = text.length;

  while (i < n) {
    const startLine = line;
    const keep = records.length < maxRecords;
    const fields: string[] = [];
    let tooManyColumns = false;
    let fieldCount = 0;
    let isBlank = true;
    let endOfRecord = false;
    while (!endOfRecord) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          const chunkEnd = quote === -1 ? n : quote;
          const chunk = text.slice(i, chunkEnd);
          line += countLineBreaks(chunk);
          field += chunk;
          i = chunkEnd;
          if (quote === -1) break; // unterminated: the rest of the file is the field
          if (text[quote + 1] === '"') {
            field += '"';
            i = quote + 2;
            continue;
          }
          i = quote + 1;
          break;
        }
      }
      // Unquoted text (or text after a closing quote) runs to the separator or the line end.
      let j = i;
      while (j < n) {
        const c = text[j];
        if (c === separator || c === "\n" || c === "\r") break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
      fieldCount++;
      if (field !== "" || fieldCount > 1) isBlank = false;
      if (keep) {
        if (fields.length < MAX_COLUMNS) fields.push(normalizeNewlines(field));
        else tooManyColumns = true;
      }
      if (i < n && text[i] === separator) {
        i++;
        continue;
      }
      // Line end or end of text.
      if (text[i] === "\r") i += text[i + 1] === "\n" ? 2 : 1;
      else if (text[i] === "\n") i++;
      line++;
      endOfRecord = true;
    }
    if (isBlank) continue;
    total++;
    if (keep) records.push({ line: startLine, fields, tooManyColumns });
  }
  return { records, total };
}

/** Counts line breaks (CRLF once). */
export function countLineBreaks(text: string): number {
  let count = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(k + 1) !== 10) count++;
  }
  return count;
}

const normalizeNewlines = (text: string) => (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text);
